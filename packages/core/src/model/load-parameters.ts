import * as tf from '@tensorflow/tfjs';
import { WeightsError } from '../contract/errors.js';
import type { HostTensor, StateDict } from '../io/host-tensor.js';
import { officialToTfjs, tfjsToOfficial } from '../io/layout.js';
import { ParameterStore, type ParamSpec } from '../networks/parameters.js';

export interface LoadParametersOptions {
  /** Key prefix in the state dict, e.g. `g_ema.` or `d.` ('' for a bare state dict). */
  readonly prefix?: string;
  /** Refuse keys under the prefix that the model does not have (default true, like torch's strict load). */
  readonly strict?: boolean;
  /** What to do with NaN/Inf weights (default 'error'). */
  readonly nonFinite?: 'allow' | 'warn' | 'error';
  readonly onWarning?: (message: string) => void;
}

function hasNonFinite(host: HostTensor): boolean {
  if (!(host.data instanceof Float32Array)) return false;
  for (let i = 0; i < host.data.length; i++) if (!Number.isFinite(host.data[i]!)) return true;
  return false;
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 1e-7) return false;
  return true;
}

/**
 * Build a ParameterStore from an official state dict: every spec must be present with the official shape;
 * layouts convert once here. All-or-nothing: on any error every tensor made so far is released.
 */
export function parametersFromStateDict(specs: readonly ParamSpec[], stateDict: StateDict, options: LoadParametersOptions = {}): ParameterStore {
  const prefix = options.prefix ?? '';
  const nonFinite = options.nonFinite ?? 'error';
  const values = new Map<string, tf.Tensor>();
  try {
    const known = new Set(specs.map((s) => prefix + s.name));
    if (options.strict ?? true) {
      const unexpected = [...stateDict.keys()].filter((k) => k.startsWith(prefix) && !known.has(k));
      if (unexpected.length > 0) {
        throw new WeightsError(
          'E_WEIGHTS_UNEXPECTED',
          `The weights hold ${unexpected.length} tensor(s) this model config does not have, e.g. "${unexpected.slice(0, 3).join('", "')}": the config probably contradicts the weights.`,
          { details: { unexpected } },
        );
      }
    }
    const missing = specs.filter((s) => !stateDict.has(prefix + s.name)).map((s) => prefix + s.name);
    if (missing.length > 0) {
      throw new WeightsError('E_WEIGHTS_MISSING', `Missing ${missing.length} tensor(s), e.g. "${missing.slice(0, 3).join('", "')}".`, {
        details: { missing },
      });
    }
    for (const spec of specs) {
      const host = stateDict.get(prefix + spec.name)!;
      if (hasNonFinite(host)) {
        const message = `Tensor "${prefix}${spec.name}" contains NaN or infinite values.`;
        if (nonFinite === 'error') throw new WeightsError('E_WEIGHTS_NON_FINITE', message, { details: { name: prefix + spec.name } });
        if (nonFinite === 'warn') (options.onWarning ?? console.warn)(message);
      }
      // FIR kernels are constants derived from the config: a different one means a different model.
      if (spec.init.kind === 'fixed' && !sameValues(host.data as Float32Array, spec.init.values)) {
        throw new WeightsError('E_WEIGHTS_SHAPE', `Tensor "${prefix}${spec.name}" differs from the FIR kernel the config's blurKernel gives.`, {
          details: { name: prefix + spec.name },
        });
      }
      values.set(spec.name, officialToTfjs(spec, host, prefix));
    }
    return new ParameterStore(specs, values, prefix);
  } finally {
    for (const value of values.values()) value.dispose();
  }
}

/** A ParameterStore → official state dict (keys prefixed), in spec order. */
export async function parametersToStateDict(store: ParameterStore, prefix = ''): Promise<StateDict> {
  const out: StateDict = new Map();
  for (const spec of store.specs) out.set(prefix + spec.name, await tfjsToOfficial(spec, store.get(spec.name)));
  return out;
}
