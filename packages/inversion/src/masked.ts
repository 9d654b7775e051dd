import * as tf from '@tensorflow/tfjs';
import { InputError, regionSlots, type LatentLayout } from '@semstyle/core';

/** Restrict an inversion to some regions. */
export interface RegionMask {
  /** Region names (or indices) to reconstruct. */
  readonly regions: readonly (string | number)[];
  /**
   * Optimise only these regions' codes (shape and texture), the others staying at the starting latent
   * (default true) — e.g. paste a real region into a generated face.
   */
  readonly regionCodesOnly?: boolean;
}

/** Region indices of a selection (validated against the layout: `E_UNKNOWN_REGION`). */
export function regionIndices(layout: LatentLayout, regions: readonly (string | number)[]): number[] {
  if (regions.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'A masked inversion needs at least one region.');
  // regionSlots validates names; slot (B + 2k) → k.
  return regionSlots(layout, regions, ['shape']).map((s) => (s - layout.baseLayers) / 2);
}

/**
 * Pixel weights [N, R, R, 1] of a region set from the generator's own soft masks [N, h, w, K]: Σ_{k∈R} m_k,
 * upsampled bilinearly to the image.
 */
export function regionWeight(masks: tf.Tensor4D, regions: readonly number[], resolution: number): tf.Tensor4D {
  return tf.tidy(() => {
    const K = masks.shape[3];
    const sel = new Float32Array(K);
    for (const k of regions) sel[k] = 1;
    const m = tf.sum(tf.mul(masks, tf.tensor1d(sel)), 3, true) as tf.Tensor4D;
    return (m.shape[1] === resolution ? m : tf.image.resizeBilinear(m, [resolution, resolution], false, true)) as tf.Tensor4D;
  });
}

/** 1 for the W+ slots of `regions` (shape + texture), 0 elsewhere: [1, nLatent, 1]. */
export function slotSelector(layout: LatentLayout, regions: readonly (string | number)[]): tf.Tensor3D {
  const sel = new Float32Array(layout.nLatent);
  for (const s of regionSlots(layout, regions)) sel[s] = 1;
  return tf.tensor3d(sel, [1, layout.nLatent, 1]);
}
