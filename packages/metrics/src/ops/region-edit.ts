import { regionSlots as coreRegionSlots, swapCodes, type CodeKind, type LatentLayout, type WPlusLatent } from '@semstyle/core';

export type EditedCodes = 'shape' | 'texture' | 'both';

function kinds(codes: EditedCodes): CodeKind[] {
  return codes === 'both' ? ['shape', 'texture'] : [codes];
}

/** W+ slot indices of a region's codes (core's layout: shape = B + 2k, texture = B + 2k + 1). */
export function regionSlots(layout: LatentLayout, region: string, codes: EditedCodes = 'both'): number[] {
  return coreRegionSlots(layout, [region], kinds(codes));
}

/**
 * Local style mixing: `latent` with `region`'s codes taken from `donor` (core's `swapCodes`). Inputs are
 * not disposed; the caller owns the result.
 */
export function mixRegion(latent: WPlusLatent, donor: WPlusLatent, region: string, codes: EditedCodes = 'both'): WPlusLatent {
  return swapCodes(latent, donor, { regions: [region], kinds: kinds(codes) });
}
