import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, presetConfig, SemanticStyleGAN } from '@semstyle/core';
import { createTestingGenerator, leakedTensors } from '@semstyle/core/testing';
import { expectCode, useWasm } from './test-support/setup.js';
import { encoderConfigFor } from './encoder/config.js';
import { ReStyleEncoder } from './encoder/restyle-encoder.js';
import { EncoderTrainer } from './train/encoder-trainer.js';
import { restyleInvert } from './restyle.js';
import { invert } from './invert.js';

// One briefly trained tiny encoder shared by the tests of this file (training dominates the file's time).
let g: ReturnType<typeof createTestingGenerator>;
let enc: ReStyleEncoder;
let evalImages: tf.Tensor4D;
let evalLatent: tf.Tensor3D;
let before: number[];
const trainLosses: number[] = [];
const TRAIN_ITERATIONS = 3;

beforeAll(async () => {
  await useWasm();
  g = createTestingGenerator();
  enc = ReStyleEncoder.create(encoderConfigFor(g, { preset: 'tiny' }), 1);
  const held = new EncoderTrainer(g, enc, { batchSize: 6, seed: 999, regionMixing: 0 }).generatedBatch(0);
  evalImages = held.images;
  evalLatent = held.latent;
  const r0 = restyleInvert(g, enc, evalImages, { iterations: TRAIN_ITERATIONS });
  before = r0.losses;
  tf.dispose([r0.latent.tensor, r0.reconstruction]);
  const trainer = new EncoderTrainer(g, enc, { iterations: TRAIN_ITERATIONS, batchSize: 2, lr: 3e-3, regionMixing: 0, seed: 5 });
  for (let s = 0; s < 16; s++) trainLosses.push(trainer.trainStep().loss);
  trainer.dispose();
}, 120_000);

afterAll(() => {
  tf.dispose([evalImages, evalLatent]);
  enc.dispose();
  g.dispose();
});

describe('ReStyle encoder training and inference (testing generator)', () => {
  it('a few training steps lower the reconstruction loss on held-out generated images', () => {
    const r = restyleInvert(g, enc, evalImages, { iterations: TRAIN_ITERATIONS });
    console.log(`held-out MSE per pass before training ${before.map((x) => x.toFixed(4)).join(' → ')}, after 16 steps ${r.losses.map((x) => x.toFixed(4)).join(' → ')}`);
    console.log(`training loss: first 4 steps ${trainLosses.slice(0, 4).map((x) => x.toFixed(3)).join(' ')}, last 4 ${trainLosses.slice(-4).map((x) => x.toFixed(3)).join(' ')}`);
    expect(r.losses[0]!).toBeLessThan(before[0]! * 0.9);
    tf.dispose([r.latent.tensor, r.reconstruction]);
  });

  it('N passes give N losses, and the error falls across the trained passes', () => {
    for (const n of [1, 2, 5]) {
      const r = restyleInvert(g, enc, evalImages, { iterations: n, keepIntermediate: true });
      expect(r.losses).toHaveLength(n);
      expect(r.intermediate).toHaveLength(n);
      expect(r.latent.tensor.shape).toEqual([6, g.layout.nLatent, g.layout.styleDim]);
      expect(r.reconstruction.shape).toEqual([6, 32, 32, 3]);
      for (const i of r.intermediate!) tf.dispose([i.latent.tensor, i.reconstruction]);
      tf.dispose([r.latent.tensor, r.reconstruction]);
    }
    const r = restyleInvert(g, enc, evalImages, { iterations: TRAIN_ITERATIONS });
    const latentErr = tf.tidy(() => tf.mean(tf.squaredDifference(r.latent.tensor, evalLatent)).dataSync()[0]!);
    console.log(`MSE across passes 1→${TRAIN_ITERATIONS}: ${r.losses.map((x) => x.toFixed(4)).join(' → ')}; latent MSE ${latentErr.toFixed(4)}`);
    expect(r.losses[1]!).toBeLessThan(r.losses[0]!);
    expect(r.losses[TRAIN_ITERATIONS - 1]!).toBeLessThan(r.losses[0]! * 0.95);
    tf.dispose([r.latent.tensor, r.reconstruction]);
  });

  it('invert(method: restyle) returns a typed W+ latent, leaks nothing, refuses a mismatched encoder', async () => {
    const warm = g.sampleWPlus(1, 0);
    tf.dispose(g.synthesize(warm)); // warm the generator's inference caches (not a leak)
    warm.tensor.dispose();
    expect(
      await leakedTensors(() => {
        const r = invert(g, evalImages, { method: 'restyle', encoder: enc, iterations: 2 });
        expect(r.latent.space).toBe('w+');
        expect(r.latent.layout).toBe(g.layout);
        expect(r.losses).toHaveLength(2);
        expect(r.seg.shape).toEqual([6, 32, 32, 4]);
        tf.dispose([r.latent.tensor, r.reconstruction, r.seg]);
      }),
    ).toBe(0);
    const other = SemanticStyleGAN.random({ ...presetConfig('tiny').generator, styleDim: 16 }, 0);
    const e = expectCode(() => invert(other, evalImages, { method: 'restyle', encoder: enc }), 'E_CONFIG_MISMATCH', ConfigError);
    expect(e.message).toContain('styleDim 32 ≠ 16');
    other.dispose();
  });

  it('a training step leaks nothing and never touches the generator’s weights', async () => {
    const before = g.params.entries().map(([, v]) => v.dataSync().slice());
    const trainer = new EncoderTrainer(g, enc, { iterations: 2, batchSize: 1, lr: 1e-5 });
    trainer.trainStep(); // creates Adam state (kept by the optimiser)
    expect(await leakedTensors(() => trainer.trainStep())).toBe(0);
    trainer.dispose();
    g.params.entries().forEach(([, v], i) => expect(v.dataSync()).toEqual(before[i]));
  });
});
