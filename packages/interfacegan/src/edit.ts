import * as tf from '@tensorflow/tfjs';
import { InputError, regionSlots, type CodeKind, type Latent, type LatentLayout, type SemanticGeneratorV1, type WPlusLatent } from '@semstyle/core';
import { assertDirectionFits, DIRECTION_FORMAT, type Direction } from './direction.js';

/**
 * How `strength` is read:
 * - `absolute`: move every latent by `strength` along the unit normal: x' = x + s·n. Each latent's
 *   signed distance grows by exactly s, wherever it started.
 * - `relative`: move every latent so that its signed distance to the hyperplane *becomes* s:
 *   x' = x + (s − d(x))·n with d(x) = nᵀx + offset (offset = SVM intercept / ‖coef‖). All latents end on
 *   the same level set; s = 0 puts them on the boundary itself.
 */
export type EditMode = 'absolute' | 'relative';

export interface EditOptions {
  /** Default 'absolute'. */
  readonly mode?: EditMode;
}

function normalTensor(latent: Latent, direction: Direction): tf.Tensor {
  return latent.space === 'w+'
    ? tf.tensor3d(direction.normal, [1, latent.layout.nLatent, latent.layout.styleDim])
    : tf.tensor2d(direction.normal, [1, direction.styleDim]);
}

/** Signed distances d(x) = nᵀx + offset of a batch of latents, [N] tensor (yours). */
function distanceTensor(latent: Latent, n: tf.Tensor, offset: number): tf.Tensor1D {
  return tf.tidy(() => {
    const axes = latent.space === 'w+' ? [1, 2] : [1];
    return tf.add(tf.sum(tf.mul(latent.tensor, n), axes), offset) as tf.Tensor1D;
  });
}

/** Signed distance of each latent to the direction's hyperplane, nᵀx + offset (> 0: attribute side). */
export function signedDistance<L extends Latent>(latent: L, direction: Direction<L['space']>): Float32Array {
  assertDirectionFits(latent, direction);
  const d = tf.tidy(() => distanceTensor(latent, normalTensor(latent, direction), direction.offset));
  try {
    return d.dataSync() as Float32Array;
  } finally {
    d.dispose();
  }
}

function strengthsFor(n: number, strength: number | ArrayLike<number>): Float32Array {
  if (typeof strength === 'number') {
    if (!Number.isFinite(strength)) throw new InputError('E_INVALID_ARGUMENT', `strength must be finite, got ${strength}.`);
    return new Float32Array(n).fill(strength);
  }
  if (strength.length !== n) throw new InputError('E_SHAPE', `Got ${strength.length} strengths for ${n} latents.`);
  const out = Float32Array.from(strength);
  for (const s of out) if (!Number.isFinite(s)) throw new InputError('E_INVALID_ARGUMENT', `strength must be finite, got ${s}.`);
  return out;
}

/**
 * Move latents along a direction (see `EditMode`); `strength` is one number or one per latent. The
 * direction's space is checked at compile time (a `Direction<'w+'>` takes only `WPlusLatent`s) and at run
 * time (`LatentSpaceError`); a W+ direction of another layout is `InputError` E_SHAPE. Returns a new
 * latent (yours to dispose); the input is not disposed.
 */
export function edit<L extends Latent>(latent: L, direction: Direction<L['space']>, strength: number | ArrayLike<number>, options: EditOptions = {}): L {
  assertDirectionFits(latent, direction);
  const mode = options.mode ?? 'absolute';
  if (mode !== 'absolute' && mode !== 'relative') throw new InputError('E_INVALID_ARGUMENT', `mode must be 'absolute' or 'relative', got ${JSON.stringify(mode)}.`);
  const n = latent.tensor.shape[0];
  const s = strengthsFor(n, strength);
  const tensor = tf.tidy(() => {
    const normal = normalTensor(latent, direction);
    let step: tf.Tensor = tf.tensor1d(s);
    if (mode === 'relative') step = tf.sub(step, distanceTensor(latent, normal, direction.offset));
    const shape = latent.space === 'w+' ? [n, 1, 1] : [n, 1];
    return tf.add(latent.tensor, tf.mul(tf.reshape(step, shape), normal));
  });
  return { ...latent, tensor } as L;
}

/** `steps` evenly spaced numbers from `from` to `to` (both included), as numpy's linspace. */
export function linspace(from: number, to: number, steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1) throw new InputError('E_INVALID_ARGUMENT', `steps must be a positive integer, got ${steps}.`);
  if (steps === 1) return [from];
  return Array.from({ length: steps }, (_, i) => from + ((to - from) * i) / (steps - 1));
}

/**
 * One edited latent batch per strength (the original InterFaceGAN's `linear_interpolate`, in either mode):
 * `sweep(x, d, linspace(-3, 3, 7), { mode: 'relative' })`. Every returned latent is yours to dispose.
 */
export function sweep<L extends Latent>(latent: L, direction: Direction<L['space']>, strengths: readonly number[], options: EditOptions = {}): L[] {
  if (strengths.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'sweep needs at least one strength.');
  const out: L[] = [];
  try {
    for (const s of strengths) out.push(edit(latent, direction, s, options));
  } catch (e) {
    tf.dispose(out.map((l) => l.tensor));
    throw e;
  }
  return out;
}

/**
 * Lift a W direction to W+: copy n into the chosen slots (default all; or the codes of `regions`) and
 * renormalise, so editing a broadcast W+ latent moves those codes like the W edit. Distances scale: on a
 * broadcast latent, d₊ = √m · d_W with m the number of slots (the offset is scaled to keep the hyperplane).
 * Only the selected slots change under an edit along the result.
 */
export function liftToWPlus(
  direction: Direction<'w'>,
  layout: LatentLayout,
  options: { regions?: readonly string[]; kinds?: readonly CodeKind[]; slots?: readonly number[] } = {},
): Direction<'w+'> {
  if (direction.space !== 'w') throw new InputError('E_INVALID_ARGUMENT', `liftToWPlus takes a W direction, got ${String(direction.space).toUpperCase()}.`);
  if (layout.styleDim !== direction.styleDim) throw new InputError('E_SHAPE', `The direction has width ${direction.styleDim}, the layout ${layout.styleDim}.`);
  const set = new Set<number>(options.slots ?? []);
  if (options.regions !== undefined) for (const s of regionSlots(layout, options.regions, options.kinds ?? ['shape', 'texture'])) set.add(s);
  const restricted = set.size > 0;
  for (const s of set) if (!Number.isInteger(s) || s < 0 || s >= layout.nLatent) throw new InputError('E_INVALID_ARGUMENT', `W+ slot ${s} out of range [0, ${layout.nLatent}).`);
  const slots = restricted ? [...set].sort((a, b) => a - b) : Array.from({ length: layout.nLatent }, (_, i) => i);
  const m = slots.length;
  const D = layout.styleDim;
  const normal = new Float32Array(layout.nLatent * D);
  const scale = 1 / Math.sqrt(m);
  for (const slot of slots) for (let j = 0; j < D; j++) normal[slot * D + j] = direction.normal[j]! * scale;
  return {
    format: DIRECTION_FORMAT,
    space: 'w+',
    styleDim: D,
    layout,
    normal,
    offset: direction.offset * Math.sqrt(m),
    info: {
      ...direction.info,
      regions: restricted ? [...(options.regions ?? [])] : null,
      kinds: restricted ? (options.regions !== undefined ? [...(options.kinds ?? ['shape', 'texture'])] : []) : null,
      slots: restricted ? slots : null,
    },
  };
}

/** A latent of any space as W+ for rendering: Z is mapped (with `truncation`), W broadcast, W+ copied. Yours to dispose. */
export function toWPlusFor(generator: SemanticGeneratorV1, latent: Latent, truncation = 1): WPlusLatent {
  if (latent.space === 'w+') return { ...latent, tensor: latent.tensor.clone() };
  if (latent.space === 'w') return generator.toWPlus(latent);
  const w = generator.map(latent, { truncation });
  try {
    return generator.toWPlus(w);
  } finally {
    w.tensor.dispose();
  }
}
