import * as tf from '@tensorflow/tfjs';
import { InputError, LatentSpaceError } from '../contract/errors.js';
import type { CodeKind, Latent, LatentLayout, LatentSpace, WLatent, WPlusLatent, ZLatent } from '../contract/latent-types.js';
import { regionSlots } from './layout.js';
import { seededNormal } from './random.js';
import { assertFinite, assertShape } from './validate.js';

/**
 * Pure functions over latents. Each returns a new latent whose tensor belongs to the caller; inputs are
 * never disposed.
 */

/** Wrap a [N, styleDim] tensor as a Z latent (validated). The latent takes the tensor as given (no copy). */
export function zLatent(tensor: tf.Tensor, styleDim?: number): ZLatent {
  assertShape('Z latent', tensor, [null, styleDim ?? null]);
  assertFinite('Z latent', tensor);
  return { space: 'z', tensor: tensor as tf.Tensor2D };
}

export function wLatent(tensor: tf.Tensor, styleDim?: number): WLatent {
  assertShape('W latent', tensor, [null, styleDim ?? null]);
  assertFinite('W latent', tensor);
  return { space: 'w', tensor: tensor as tf.Tensor2D };
}

export function wPlusLatent(tensor: tf.Tensor, layout: LatentLayout): WPlusLatent {
  assertShape('W+ latent', tensor, [null, layout.nLatent, layout.styleDim]);
  assertFinite('W+ latent', tensor);
  return { space: 'w+', tensor: tensor as tf.Tensor3D, layout };
}

/** Throw E_LATENT_SPACE unless the latent is in `space` (for callers without static types, e.g. JS). */
export function expectSpace<S extends LatentSpace>(latent: Latent, space: S): asserts latent is Extract<Latent, { space: S }> {
  if (latent?.space !== space) {
    throw new LatentSpaceError(`Expected a ${space.toUpperCase()} latent, got ${String(latent?.space).toUpperCase()}.`, {
      details: { expected: space, got: latent?.space },
    });
  }
}

/** Seeded standard-normal Z latents; the same seed gives the same values on every backend. */
export function sampleZ(n: number, styleDim: number, seed: number): ZLatent {
  if (!Number.isInteger(n) || n <= 0) throw new InputError('E_INVALID_ARGUMENT', `sampleZ: n must be a positive integer, got ${n}.`);
  return { space: 'z', tensor: seededNormal([n, styleDim], seed) as tf.Tensor2D };
}

/** Repeat a W code into every W+ slot. */
export function broadcastToWPlus(w: WLatent, layout: LatentLayout): WPlusLatent {
  expectSpace(w, 'w');
  assertShape('W latent', w.tensor, [null, layout.styleDim]);
  const tensor = tf.tidy(() => tf.tile(tf.expandDims(w.tensor, 1), [1, layout.nLatent, 1])) as tf.Tensor3D;
  return { space: 'w+', tensor, layout };
}

/** Truncation toward the mean: mean + ψ (w − mean), on every code. */
export function truncate<L extends WLatent | WPlusLatent>(latent: L, mean: WLatent, psi: number): L {
  if (!Number.isFinite(psi)) throw new InputError('E_INVALID_ARGUMENT', `Truncation ψ must be finite, got ${psi}.`);
  expectSpace(mean, 'w');
  const tensor = tf.tidy(() => {
    const m = latent.space === 'w+' ? tf.reshape(mean.tensor, [1, 1, -1]) : tf.reshape(mean.tensor, [1, -1]);
    return tf.add(m, tf.mul(tf.sub(latent.tensor, m), psi));
  });
  return { ...latent, tensor } as L;
}

/** A [nLatent] 0/1 selector of the slots of the given regions and code kinds. */
function slotSelector(layout: LatentLayout, regions: readonly (string | number)[], kinds: readonly CodeKind[], coarse: boolean): Float32Array {
  const select = new Float32Array(layout.nLatent);
  for (const slot of regionSlots(layout, regions, kinds)) select[slot] = 1;
  if (coarse) for (let i = 0; i < layout.baseLayers; i++) select[i] = 1;
  return select;
}

export interface CodeSelection {
  /** Region names (or indices) whose codes are taken. */
  readonly regions: readonly (string | number)[];
  /** Which codes of those regions (default both). */
  readonly kinds?: readonly CodeKind[];
  /** Also take the shared coarse codes (default false). */
  readonly coarse?: boolean;
}

function assertSameLayout(a: WPlusLatent, b: WPlusLatent): void {
  if (a.layout.nLatent !== b.layout.nLatent || a.layout.styleDim !== b.layout.styleDim) {
    throw new InputError('E_SHAPE', `W+ layouts differ: [${a.layout.nLatent}, ${a.layout.styleDim}] vs [${b.layout.nLatent}, ${b.layout.styleDim}].`);
  }
}

/**
 * Take the selected regions' codes from `source` and everything else from `target` — e.g. the hair of B on
 * the face of A. Batches broadcast (a source of batch 1 applies to every target).
 */
export function swapCodes(target: WPlusLatent, source: WPlusLatent, selection: CodeSelection): WPlusLatent {
  expectSpace(target, 'w+');
  expectSpace(source, 'w+');
  assertSameLayout(target, source);
  const select = slotSelector(target.layout, selection.regions, selection.kinds ?? ['shape', 'texture'], selection.coarse ?? false);
  const tensor = tf.tidy(() => {
    const mask = tf.tensor3d(select, [1, target.layout.nLatent, 1]);
    return tf.add(tf.mul(target.tensor, tf.sub(1, mask)), tf.mul(source.tensor, mask));
  }) as tf.Tensor3D;
  return { space: 'w+', tensor, layout: target.layout };
}

export type InterpolationMethod = 'lerp' | 'slerp';

/** Spherical interpolation along the last axis (for Z); falls back to lerp for nearly parallel vectors. */
function slerpTensor(a: tf.Tensor, b: tf.Tensor, t: number): tf.Tensor {
  return tf.tidy(() => {
    const an = tf.div(a, tf.norm(a, 'euclidean', -1, true));
    const bn = tf.div(b, tf.norm(b, 'euclidean', -1, true));
    const cos = tf.clipByValue(tf.sum(tf.mul(an, bn), -1, true), -1, 1);
    const omega = tf.acos(cos);
    const sin = tf.sin(omega);
    const safe = tf.greater(tf.abs(sin), 1e-6);
    const wa = tf.where(safe, tf.div(tf.sin(tf.mul(omega, 1 - t)), sin), tf.fill(sin.shape, 1 - t));
    const wb = tf.where(safe, tf.div(tf.sin(tf.mul(omega, t)), sin), tf.fill(sin.shape, t));
    return tf.add(tf.mul(a, wa), tf.mul(b, wb));
  });
}

/**
 * Interpolate between two latents of the same space. With `selection` (W+ only), only those regions' codes
 * move and the rest stay at `a` — a per-region interpolation.
 */
export function interpolate<L extends Latent>(a: L, b: L, t: number, options: { method?: InterpolationMethod; selection?: CodeSelection } = {}): L {
  if (a.space !== b.space) {
    throw new LatentSpaceError(`Cannot interpolate a ${a.space.toUpperCase()} latent with a ${b.space.toUpperCase()} latent.`);
  }
  if (!tf.util.arraysEqual(a.tensor.shape, b.tensor.shape)) {
    throw new InputError('E_SHAPE', `Latents to interpolate differ in shape: [${a.tensor.shape.join(', ')}] vs [${b.tensor.shape.join(', ')}].`);
  }
  const method = options.method ?? 'lerp';
  const tensor = tf.tidy(() => {
    const moved = method === 'slerp' ? slerpTensor(a.tensor, b.tensor, t) : tf.add(a.tensor, tf.mul(tf.sub(b.tensor, a.tensor), t));
    if (options.selection === undefined) return moved;
    if (a.space !== 'w+') throw new InputError('E_INVALID_ARGUMENT', 'A region selection needs W+ latents.');
    const layout = (a as WPlusLatent).layout;
    const select = slotSelector(layout, options.selection.regions, options.selection.kinds ?? ['shape', 'texture'], options.selection.coarse ?? false);
    const mask = tf.tensor3d(select, [1, layout.nLatent, 1]);
    return tf.add(tf.mul(a.tensor, tf.sub(1, mask)), tf.mul(moved, mask));
  });
  return { ...a, tensor } as L;
}

/** Read one code [N, styleDim] of a W+ latent. */
export function getCode(latent: WPlusLatent, slot: number): tf.Tensor2D {
  expectSpace(latent, 'w+');
  return tf.tidy(() => tf.squeeze(tf.slice(latent.tensor, [0, slot, 0], [-1, 1, -1]), [1])) as tf.Tensor2D;
}

/** Concatenate latents of one space along the batch axis. */
export function concatLatents<L extends Latent>(latents: readonly L[]): L {
  const first = latents[0];
  if (first === undefined) throw new InputError('E_INVALID_ARGUMENT', 'concatLatents needs at least one latent.');
  for (const l of latents) expectSpace(l, first.space);
  return { ...first, tensor: tf.concat(latents.map((l) => l.tensor), 0) } as L;
}
