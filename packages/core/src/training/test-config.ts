import type { ModelConfig } from '../contract/config.js';
import { configFromOfficialArgs } from '../config/official-config.js';

/** A 16 px, K = 3 config with ≤ 16 channels: a training step takes a fraction of a second on wasm. */
export function tinyTrainingConfig(overrides: Record<string, unknown> = {}): ModelConfig {
  return configFromOfficialArgs({
    size: 16,
    latent: 16,
    n_mlp: 2,
    seg_dim: 3,
    local_layers: 4,
    base_layers: 1,
    depth_layers: 2,
    local_channel: 8,
    coarse_channel: 8,
    coarse_size: 8,
    min_feat_size: 4,
    transparent_dims: [],
    residual_refine: true,
    channels: { 4: 16, 8: 16, 16: 16 },
    ...overrides,
  });
}
