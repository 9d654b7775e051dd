/**
 * Batches rendered in chunks (the memory bound of `synthesize`): the chunk sizes the budget picks, equal
 * outputs chunked and in one pass, composition masks and seeded noise per chunk, bad values, no leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../kernels/test-helpers.js';
import { configFromOfficialArgs } from '../config/official-config.js';
import { presetConfig } from '../config/presets.js';
import { leakedTensors } from '../testing/leaks.js';
import { SemanticStyleGAN } from './semantic-stylegan.js';
import { DEFAULT_SYNTHESIS_BUDGET_BYTES, synthesisBytesPerSample, synthesisChunkSize } from './synthesis-chunks.js';

const CONFIG = configFromOfficialArgs({
  size: 32, latent: 16, n_mlp: 2, seg_dim: 4, coarse_size: 16, min_feat_size: 8,
  local_layers: 2, local_channel: 8, coarse_channel: 8, base_layers: 1, depth_layers: 1,
  residual_refine: true, transparent_dims: [3], channels: { 4: 16, 8: 16, 16: 12, 32: 8 },
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('synthesis chunk size', () => {
  it('is the largest per-sample activation: the fused local features of the face configs', () => {
    const faces256 = presetConfig('celebamask256').generator;
    // K · P · C · 4 bytes = 13 · 64² · 512 · 4.
    expect(synthesisBytesPerSample(faces256)).toBe(13 * 64 * 64 * 512 * 4);
    expect(synthesisChunkSize(faces256, 8)).toBe(1);
    expect(synthesisChunkSize(presetConfig('celebamask512').generator, 8)).toBe(1);
  });

  it('keeps small models in one pass, and honours an override within [1, n]', () => {
    // 4 · 16² · 8 · 4 = 32 KiB (fusion) vs 32² · 20 · 4 = 80 KiB (render at 32 px: 12 channels in + the
    // 8-channel coarse feature concatenated).
    expect(synthesisBytesPerSample(CONFIG.generator)).toBe(32 * 32 * 20 * 4);
    expect(synthesisChunkSize(CONFIG.generator, 64)).toBe(64);
    expect(Math.floor(DEFAULT_SYNTHESIS_BUDGET_BYTES / synthesisBytesPerSample(CONFIG.generator))).toBeGreaterThan(64);
    expect(synthesisChunkSize(CONFIG.generator, 5, 2)).toBe(2);
    expect(synthesisChunkSize(CONFIG.generator, 5, 9)).toBe(5);
  });
});

describe('synthesize in chunks (wasm)', () => {
  let g: SemanticStyleGAN;
  beforeAll(async () => {
    await useBackend('wasm');
    g = SemanticStyleGAN.random(CONFIG, 3);
  });
  afterAll(() => g.dispose());

  it('gives the one-pass outputs, composition masks included, and leaks nothing', async () => {
    const w = g.sampleWPlus(5, 11);
    const mask = tf.tensor2d([1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0], [5, 4]);
    const whole = g.synthesize(w, { compositionMask: mask });
    for (const chunkSize of [1, 2, 3]) {
      const chunked = g.synthesize(w, { compositionMask: mask, chunkSize });
      for (const key of ['image', 'seg', 'segCoarse', 'depths', 'masks'] as const) {
        expect(chunked[key].shape).toEqual(whole[key].shape);
        // Batch 1 takes the folded local generators, batches the region-batched ones: float32 rounding.
        expect(maxAbsDiff(chunked[key], whole[key])).toBeLessThan(1e-4);
      }
      tf.dispose(chunked);
    }
    expect(await leakedTensors(() => tf.dispose(g.synthesize(w, { compositionMask: mask, chunkSize: 2 })))).toBe(0);
    expect(await leakedTensors(() => tf.dispose(g.synthesize(w, { compositionMask: ['background', 'region_1'], chunkSize: 2 })))).toBe(0);
    tf.dispose([whole, mask, w.tensor]);
  });

  it('draws seeded random noise per chunk from noiseSeed + chunk index', () => {
    const w = g.sampleWPlus(4, 5);
    const chunked = g.synthesize(w, { noise: 'random', noiseSeed: 7, chunkSize: 2 });
    const second = tf.slice(w.tensor, [2, 0, 0], [2, -1, -1]);
    const alone = g.synthesize({ ...w, tensor: second }, { noise: 'random', noiseSeed: 8 });
    expect(maxAbsDiff(tf.slice(chunked.image, [2, 0, 0, 0], [2, -1, -1, -1]), alone.image)).toBeLessThan(1e-5);
    tf.dispose([chunked, alone, second, w.tensor]);
  });

  it('refuses a chunk size that is not a positive integer', () => {
    const w = g.sampleWPlus(2, 1);
    for (const chunkSize of [0, -1, 1.5, Number.NaN]) {
      expect(() => g.synthesize(w, { chunkSize })).toThrow(/chunkSize must be a positive integer/);
    }
    w.tensor.dispose();
  });
});
