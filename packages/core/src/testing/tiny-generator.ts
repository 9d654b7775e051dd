import { presetConfig } from '../config/presets.js';
import type { SemanticGeneratorV1 } from '../contract/generator-v1.js';
import { SemanticStyleGAN } from '../model/semantic-stylegan.js';

export interface TestingGeneratorOptions {
  /** Seed of the weights (default 0): the same seed gives the same generator everywhere. */
  readonly seed?: number;
}

/**
 * A tiny, seeded SemanticStyleGAN (the `tiny` preset: 32×32, K = 4, ~20k parameters) for plugin tests.
 * It is the real implementation with random weights, so every contract method behaves as in production,
 * in milliseconds. Region names: background, region_1, region_2, region_3.
 */
export function createTestingGenerator(options: TestingGeneratorOptions = {}): SemanticStyleGAN & SemanticGeneratorV1 {
  return SemanticStyleGAN.random(presetConfig('tiny'), options.seed ?? 0);
}
