import type { ModelConfig } from '../contract/config.js';
import { UnknownNameError } from '../contract/errors.js';
import { configFromOfficialArgs } from './official-config.js';

/**
 * Named configs. `celebamask256` / `celebamask512` are the paper's CelebAMask-HQ models as the official
 * training commands build them (train.py defaults, K = 13, transparent eyeglasses/earrings, residual
 * refine). `tiny` is a seconds-to-run config for tests and examples.
 */
const PRESET_ARGS = {
  celebamask256: { size: 256, seg_dim: 13, transparent_dims: [10, 12], residual_refine: true },
  celebamask512: { size: 512, seg_dim: 13, transparent_dims: [10, 12], residual_refine: true },
  tiny: {
    size: 32,
    latent: 32,
    n_mlp: 2,
    seg_dim: 4,
    local_layers: 4,
    base_layers: 1,
    depth_layers: 2,
    local_channel: 8,
    coarse_channel: 16,
    coarse_size: 16,
    min_feat_size: 8,
    transparent_dims: [],
    residual_refine: true,
    channels: { 4: 32, 8: 32, 16: 16, 32: 16 },
  },
} satisfies Record<string, Record<string, unknown>>;

export type PresetName = keyof typeof PRESET_ARGS;
export const PRESET_NAMES = Object.keys(PRESET_ARGS) as PresetName[];

export function presetConfig(name: PresetName | string): ModelConfig {
  const args = (PRESET_ARGS as Record<string, Record<string, unknown>>)[name];
  if (args === undefined) throw new UnknownNameError('preset', name, PRESET_NAMES);
  return configFromOfficialArgs(args);
}
