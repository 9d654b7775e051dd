import type { GeneratorConfig } from '../contract/config.js';
import { ConfigError, InputError } from '../contract/errors.js';
import type { CodeAddress, LatentLayout } from '../contract/latent-types.js';

/** The W+ layout of a generator config. */
export function latentLayout(config: GeneratorConfig): LatentLayout {
  return {
    styleDim: config.styleDim,
    baseLayers: config.baseLayers,
    regionNames: config.regionNames,
    nLatent: config.baseLayers + 2 * config.segDim,
  };
}

/** Index of a region by name (or pass-through of a valid index). */
export function regionIndex(layout: LatentLayout, region: string | number): number {
  const index = typeof region === 'number' ? region : layout.regionNames.indexOf(region);
  if (index < 0 || index >= layout.regionNames.length || !Number.isInteger(index)) {
    throw new InputError(
      'E_UNKNOWN_REGION',
      `Unknown region ${JSON.stringify(region)}. Regions of this model: ${layout.regionNames.join(', ')}.`,
      { details: { region, regions: layout.regionNames } },
    );
  }
  return index;
}

/** W+ slot of a code: coarse codes first, then (shape, texture) per region. */
export function slotIndex(layout: LatentLayout, address: CodeAddress): number {
  if (address.kind === 'coarse') {
    if (!Number.isInteger(address.index) || address.index < 0 || address.index >= layout.baseLayers) {
      throw new InputError('E_INVALID_ARGUMENT', `Coarse code index ${address.index} out of range [0, ${layout.baseLayers}).`);
    }
    return address.index;
  }
  const k = regionIndex(layout, address.region);
  return layout.baseLayers + 2 * k + (address.kind === 'shape' ? 0 : 1);
}

/** The codes that belong to a set of regions (shape and/or texture), as W+ slot indices. */
export function regionSlots(
  layout: LatentLayout,
  regions: readonly (string | number)[],
  kinds: readonly ('shape' | 'texture')[] = ['shape', 'texture'],
): number[] {
  const slots: number[] = [];
  for (const region of regions) {
    const name = layout.regionNames[regionIndex(layout, region)]!;
    for (const kind of kinds) slots.push(slotIndex(layout, { kind, region: name }));
  }
  return slots;
}

/**
 * Which W+ slot each of the K·L per-layer styles reads (the official `expand_latents`): the background
 * uses its shape code for the first depthLayers layers and its texture code after; region k > 0 uses the
 * coarse codes for its first baseLayers layers, then its shape code up to layer depthLayers-1, then texture.
 */
export function expansionIndices(config: GeneratorConfig): Int32Array {
  const { segDim: K, localLayers: L, baseLayers: B, depthLayers } = config;
  if (B > depthLayers) {
    throw new ConfigError('E_CONFIG', `baseLayers (${B}) must not exceed depthLayers (${depthLayers}).`);
  }
  const indices = new Int32Array(K * L);
  for (let k = 0; k < K; k++) {
    const shape = B + 2 * k;
    for (let i = 0; i < L; i++) {
      let slot: number;
      if (k === 0) slot = i < depthLayers ? shape : shape + 1;
      else if (i < B) slot = i;
      else slot = i < depthLayers ? shape : shape + 1;
      indices[k * L + i] = slot;
    }
  }
  return indices;
}
