import * as tf from '@tensorflow/tfjs';
import { InputError, LatentSpaceError, regionSlots, type CodeKind, type WLatent, type WPlusLatent } from '@semstyle/core';
import type { SolverOptions } from '../solvers/types.js';
import type { StyleFlow } from '../flow/styleflow.js';
import { assertFinite, assertShape } from '../validate.js';
import { applyAttributeChanges, type AttributeChange } from './attributes.js';
import { replaceSlots } from './region-merge.js';

export interface FlowEditOptions {
  /** The attribute changes (or give `target` directly). */
  readonly changes?: readonly AttributeChange[];
  /** Target attributes [N, condDim] (instead of `changes`). */
  readonly target?: tf.Tensor2D;
  /**
   * W+ only: edit only these regions' codes (e.g. ['mouth'] for a smile); every other slot is kept bit
   * for bit. Omitted: every W+ row is edited (StyleFlow's behaviour).
   */
  readonly regions?: readonly (string | number)[];
  /** Which codes of those regions (default both shape and texture). */
  readonly kinds?: readonly CodeKind[];
  /** Also edit the shared coarse codes (default false). */
  readonly coarse?: boolean;
  /** Default dopri5 with rtol = atol = 1e-5. */
  readonly solver?: SolverOptions;
}

export interface FlowEditResult<L extends WLatent | WPlusLatent> {
  /** The edited latent (owned by the caller). */
  readonly latent: L;
  /** The attributes it was decoded with [N, condDim] (owned by the caller): the next edit's source. */
  readonly attributes: tf.Tensor2D;
  /** The W+ slots that were edited (all rows for W / unrestricted W+). */
  readonly slots: readonly number[];
}

/** The W+ slots an edit touches. */
export function editSlots(latent: WPlusLatent, options: Pick<FlowEditOptions, 'regions' | 'kinds' | 'coarse'>): number[] {
  const layout = latent.layout;
  if (options.regions === undefined) return Array.from({ length: layout.nLatent }, (_, i) => i);
  const slots = regionSlots(layout, options.regions, options.kinds ?? ['shape', 'texture']);
  if (options.coarse) for (let i = 0; i < layout.baseLayers; i++) slots.push(i);
  return [...new Set(slots)].sort((a, b) => a - b);
}

/** w → z with the source attributes, z → w′ with the target ones, each row [M, D]; cond rows [M, C]. */
function reencode(flow: StyleFlow, rows: tf.Tensor2D, source: tf.Tensor2D, target: tf.Tensor2D, solver: SolverOptions | undefined): tf.Tensor2D {
  const opts = { trace: 'none' as const, ...(solver ? { solver } : {}) };
  const z = flow.forward(rows, source, opts, false).value;
  try {
    return flow.inverse(z, target, opts, false).value;
  } finally {
    z.dispose();
  }
}

/**
 * StyleFlow's edit: w → z under the source attributes, change attributes, z → w′ under the targets. On W+
 * the flow runs per row (each code a styleDim vector, as StyleFlow does per layer); with `regions` only
 * those regions' codes change — chosen by region through the W+ layout, not by layer index.
 */
export function flowEdit<L extends WLatent | WPlusLatent>(flow: StyleFlow, latent: L, source: tf.Tensor2D, options: FlowEditOptions): FlowEditResult<L> {
  if (latent?.space !== 'w' && latent?.space !== 'w+') {
    const got = (latent as { space?: unknown } | undefined)?.space;
    throw new LatentSpaceError(`StyleFlow edits W or W+ latents, got ${String(got).toUpperCase()}.`, { details: { got } });
  }
  const n = latent.tensor.shape[0];
  const { dim, condDim } = flow.config;
  if (latent.space === 'w') assertShape('W latent', latent.tensor, [null, dim]);
  else assertShape('W+ latent', latent.tensor, [null, latent.layout.nLatent, dim]);
  assertShape('Source attributes', source, [n, condDim]);
  assertFinite(latent.space === 'w' ? 'W latent' : 'W+ latent', latent.tensor);
  assertFinite('Source attributes', source);
  if ((options.changes === undefined) === (options.target === undefined)) {
    throw new InputError('E_INVALID_ARGUMENT', 'flowEdit needs exactly one of `changes` or `target`.');
  }
  if (options.target !== undefined) {
    assertShape('Target attributes', options.target, [n, condDim]);
    assertFinite('Target attributes', options.target);
  }
  if (latent.space === 'w' && (options.regions !== undefined || options.coarse)) {
    throw new InputError('E_INVALID_ARGUMENT', 'Region-restricted edits need a W+ latent (broadcast W with toWPlus first).');
  }
  const target = options.target ? tf.clone(options.target) : applyAttributeChanges(flow.config, source, options.changes!);

  if (latent.space === 'w') {
    const edited = reencode(flow, latent.tensor, source, target, options.solver);
    return { latent: { space: 'w', tensor: edited } as L, attributes: target, slots: [0] };
  }
  const wp = latent as WPlusLatent;
  const slots = editSlots(wp, options);
  const s = slots.length;
  const tile = (c: tf.Tensor2D) => tf.reshape(tf.tile(tf.expandDims(c, 1), [1, s, 1]), [n * s, condDim]) as tf.Tensor2D;
  const [rows, src, tgt] = tf.tidy(() => [
    tf.reshape(tf.gather(wp.tensor, tf.tensor1d(slots, 'int32'), 1), [n * s, dim]) as tf.Tensor2D,
    tile(source),
    tile(target),
  ]);
  let tensor: tf.Tensor3D;
  try {
    const edited = reencode(flow, rows!, src!, tgt!, options.solver);
    tensor = tf.tidy(() => replaceSlots(wp, slots, tf.reshape(edited, [n, s, dim]) as tf.Tensor3D));
    edited.dispose();
  } catch (e) {
    target.dispose();
    throw e;
  } finally {
    tf.dispose([rows!, src!, tgt!]);
  }
  return { latent: { space: 'w+', tensor, layout: wp.layout } as L, attributes: target, slots };
}

export interface FlowEditStep extends Omit<FlowEditOptions, 'target' | 'solver'> {
  readonly changes: readonly AttributeChange[];
}

/**
 * Sequential edits: each step re-encodes from the previous step's edited latent with the attributes it
 * was decoded with. Returns the latent after every step (all owned by the caller) and the final attributes.
 */
export function flowEditSequence<L extends WLatent | WPlusLatent>(
  flow: StyleFlow,
  latent: L,
  source: tf.Tensor2D,
  steps: readonly FlowEditStep[],
  options: { solver?: SolverOptions } = {},
): { latents: L[]; attributes: tf.Tensor2D } {
  const latents: L[] = [];
  let current = latent;
  let attrs = source;
  try {
    for (const step of steps) {
      const r = flowEdit(flow, current, attrs, { ...step, ...(options.solver ? { solver: options.solver } : {}) });
      if (attrs !== source) attrs.dispose();
      latents.push(r.latent);
      current = r.latent;
      attrs = r.attributes;
    }
  } catch (e) {
    tf.dispose(latents.map((l) => l.tensor));
    if (attrs !== source) attrs.dispose();
    throw e;
  }
  return { latents, attributes: attrs === source ? tf.clone(source) : attrs };
}
