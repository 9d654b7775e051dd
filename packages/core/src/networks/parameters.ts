import * as tf from '@tensorflow/tfjs';
import { SemstyleError, WeightsError } from '../contract/errors.js';
import { seededNormal } from '../latent/random.js';

/**
 * How a parameter is laid out in the official PyTorch state dict, which fixes how it converts to the
 * tfjs (NHWC / HWIO) layout used inside semstyle. The conversion itself lives in `io/layout.ts`.
 *
 * - `linear`: EqualLinear weight [out, in] → [in, out]
 * - `conv`: conv weight OIHW → HWIO
 * - `local-conv`: local generator weight [1, out, in, 1, 1] → [in, out]
 * - `conv1x1-matrix`: 1×1 conv weight [out, in, 1, 1] → [in, out] (heads, position embedding)
 * - `channel`: per-channel tensor [1, C, 1, 1] → [C]
 * - `noise`: noise buffer [1, 1, H, W] → [1, H, W, 1]
 * - `flatten-linear`: a linear layer reading an NCHW flattening [out, C·H·W] → [H·W·C, out] (NHWC order)
 * - `plain`: same shape in both (biases, scalars, FIR kernels)
 */
export type ParamLayout =
  | 'linear'
  | 'conv'
  | 'local-conv'
  | 'conv1x1-matrix'
  | 'channel'
  | 'noise'
  | { readonly kind: 'flatten-linear'; readonly channels: number; readonly height: number; readonly width: number }
  | 'plain';

/** How a parameter is initialised for training from scratch (the official initialisers). */
export type ParamInit =
  | { readonly kind: 'randn'; readonly scale?: number }
  | { readonly kind: 'constant'; readonly value: number }
  | { readonly kind: 'fixed'; readonly values: Float32Array };

export interface ParamSpec {
  /** Official state-dict name without the module prefix, e.g. `render_net.convs.0.weight`. */
  readonly name: string;
  /** Shape in the official (PyTorch) layout. */
  readonly officialShape: readonly number[];
  readonly layout: ParamLayout;
  /** Trainable parameter (false: a buffer such as noise maps and FIR kernels). */
  readonly trainable: boolean;
  readonly init: ParamInit;
}

/** Shape inside semstyle (tfjs layout) for a spec. */
export function tfjsShape(spec: ParamSpec): number[] {
  const s = spec.officialShape;
  const layout = spec.layout;
  if (typeof layout === 'object') return [layout.height * layout.width * layout.channels, s[0]!];
  switch (layout) {
    case 'linear':
      return [s[1]!, s[0]!];
    case 'conv':
      return [s[2]!, s[3]!, s[1]!, s[0]!];
    case 'local-conv':
      return [s[2]!, s[1]!];
    case 'conv1x1-matrix':
      return [s[1]!, s[0]!];
    case 'channel':
      return [s[1]!];
    case 'noise':
      return [1, s[2]!, s[3]!, 1];
    case 'plain':
      return [...s];
  }
}

/**
 * The named tensors of a network, keyed by official name. Trainable parameters are `tf.Variable`s so
 * optimisers can update them in place; buffers are variables that are not trainable.
 */
export class ParameterStore {
  private readonly variables = new Map<string, tf.Variable>();
  private disposed = false;
  /** Bumped whenever values change, so cached derived tensors know when to refresh. */
  private revision = 0;

  constructor(
    readonly specs: readonly ParamSpec[],
    values: ReadonlyMap<string, tf.Tensor>,
    /** Prefix used only in messages (e.g. `g_ema.`). */
    readonly label = '',
  ) {
    const created: tf.Variable[] = [];
    try {
      for (const spec of specs) {
        const value = values.get(spec.name);
        if (value === undefined) {
          throw new WeightsError('E_WEIGHTS_MISSING', `Missing tensor "${label}${spec.name}".`, {
            details: { name: spec.name },
          });
        }
        const expected = tfjsShape(spec);
        if (!tf.util.arraysEqual(value.shape, expected)) {
          throw new WeightsError(
            'E_WEIGHTS_SHAPE',
            `Tensor "${label}${spec.name}" has shape [${value.shape.join(', ')}] (tfjs layout), expected [${expected.join(', ')}].`,
            { details: { name: spec.name, shape: value.shape, expected } },
          );
        }
        const variable = tf.variable(value, spec.trainable, `${label}${spec.name}-${uniqueId()}`);
        created.push(variable);
        this.variables.set(spec.name, variable);
      }
    } catch (error) {
      // Nothing half-loaded: release what was created before the failure.
      for (const variable of created) variable.dispose();
      this.variables.clear();
      throw error;
    }
  }

  get version(): number {
    return this.revision;
  }

  has(name: string): boolean {
    return this.variables.has(name);
  }

  get<R extends tf.Rank = tf.Rank>(name: string): tf.Variable<R> {
    this.assertLive();
    const variable = this.variables.get(name);
    if (variable === undefined) {
      throw new WeightsError('E_WEIGHTS_MISSING', `No parameter named "${this.label}${name}".`, { details: { name } });
    }
    return variable as tf.Variable<R>;
  }

  /** Parameters in spec order. */
  entries(): Array<[string, tf.Variable]> {
    this.assertLive();
    return this.specs.map((spec) => [spec.name, this.variables.get(spec.name)!]);
  }

  trainableVariables(): tf.Variable[] {
    return this.specs.filter((s) => s.trainable).map((s) => this.variables.get(s.name)!);
  }

  /** Copy values in (same names and shapes); marks cached derived tensors stale. */
  assign(values: ReadonlyMap<string, tf.Tensor>): void {
    this.assertLive();
    for (const [name, value] of values) this.get(name).assign(value);
    this.revision++;
  }

  /** Mark values as changed (call after updating variables directly, e.g. an optimiser step). */
  touch(): void {
    this.revision++;
  }

  /** Number of scalars (trainable parameters only, by default; buffers excluded). */
  parameterCount(trainableOnly = true): number {
    let count = 0;
    for (const spec of this.specs) {
      if (!trainableOnly || spec.trainable) count += tfjsShape(spec).reduce((a, b) => a * b, 1);
    }
    return count;
  }

  dispose(): void {
    if (this.disposed) return;
    for (const variable of this.variables.values()) variable.dispose();
    this.variables.clear();
    this.disposed = true;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private assertLive(): void {
    if (this.disposed) throw new SemstyleError('E_DISPOSED', `Parameters ${this.label || ''}were disposed.`);
  }
}

let counter = 0;
function uniqueId(): number {
  return ++counter;
}

/** Official initial values for every spec (training from scratch), seeded. */
export function initialValues(specs: readonly ParamSpec[], seed: number): Map<string, tf.Tensor> {
  const values = new Map<string, tf.Tensor>();
  specs.forEach((spec, index) => {
    const shape = tfjsShape(spec);
    const init = spec.init;
    let value: tf.Tensor;
    if (init.kind === 'randn') {
      value = tf.tidy(() => tf.mul(seededNormal(shape, seed * 100003 + index), init.scale ?? 1));
    } else if (init.kind === 'constant') {
      value = tf.fill(shape, init.value);
    } else {
      value = tf.tensor(init.values, shape);
    }
    values.set(spec.name, value);
  });
  return values;
}
