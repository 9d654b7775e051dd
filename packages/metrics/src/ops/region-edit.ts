import * as tf from '@tensorflow/tfjs';
import { InputError, type LatentLayout, type WPlusLatent } from '@semstyle/core';

export type EditedCodes = 'shape' | 'texture' | 'both';

/** W+ slot indices of a region's codes: shape = B + 2k, texture = B + 2k + 1 (official order). */
export function regionSlots(layout: LatentLayout, region: string, codes: EditedCodes = 'both'): number[] {
  const k = layout.regionNames.indexOf(region);
  if (k < 0) {
    throw new InputError('E_UNKNOWN_REGION', `Unknown region "${region}". Regions: ${layout.regionNames.join(', ')}.`, {
      details: { region, regions: layout.regionNames },
    });
  }
  const shape = layout.baseLayers + 2 * k;
  return codes === 'shape' ? [shape] : codes === 'texture' ? [shape + 1] : [shape, shape + 1];
}

/**
 * Local style mixing: `latent` with `region`'s codes taken from `donor` (the edit SemanticStyleGAN
 * makes region by region). Inputs are not disposed; the caller owns the result.
 */
export function mixRegion(latent: WPlusLatent, donor: WPlusLatent, region: string, codes: EditedCodes = 'both'): WPlusLatent {
  const slots = regionSlots(latent.layout, region, codes);
  const n = latent.layout.nLatent;
  const sel = new Float32Array(n);
  for (const s of slots) sel[s] = 1;
  const tensor = tf.tidy(() => {
    const m = tf.tensor3d(sel, [1, n, 1]);
    return latent.tensor.mul(tf.scalar(1).sub(m)).add(donor.tensor.mul(m)) as tf.Tensor3D;
  });
  return { space: 'w+', tensor, layout: latent.layout };
}
