/**
 * The embedded default encoder: shipped with its card, trained for the embedded default model that is in
 * the tree now, loaded by `loadDefaultEncoder()` and the CLI, and actually inverting that model's images.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type SemanticStyleGAN } from '@semstyle/core';
import { loadGenerator } from '@semstyle/core/node';
import { createTestingGenerator } from '@semstyle/core/testing';
import { restyleInvert, type ReStyleEncoder } from '@semstyle/inversion';
import { defaultEncoderPath, hasDefaultEncoder, loadDefaultEncoder } from '@semstyle/inversion/node';
import { defaultModelStep, defaultModelWeightsSha256 } from '../scripts/default-model-fingerprint.js';

interface Card {
  step: number;
  sizeBytes: number;
  generator: { step: number; weightsSha256: string };
  evaluation: { restyleFalling: { generated: boolean; real: boolean }; generated: { method: string; mse: number }[] };
}

const card = (): Card => JSON.parse(readFileSync(join(defaultEncoderPath(), '..', 'card.json'), 'utf8')) as Card;

describe('the embedded default encoder', () => {
  let g: SemanticStyleGAN;
  let encoder: ReStyleEncoder;
  beforeAll(async () => {
    await initBackend('wasm');
    g = await loadGenerator();
    encoder = await loadDefaultEncoder(g);
  });
  afterAll(() => {
    encoder?.dispose();
    g?.dispose();
  });

  it('ships with its model card, under the 20 MB limit', () => {
    expect(hasDefaultEncoder()).toBe(true);
    const c = card();
    expect(statSync(defaultEncoderPath()).size).toBe(c.sizeBytes);
    expect(c.sizeBytes).toBeLessThanOrEqual(20 * 2 ** 20);
    expect(readFileSync(join(defaultEncoderPath(), '..', 'README.md'), 'utf8')).toContain(`(step ${c.step})`);
  });

  it('was trained for the embedded default model in this tree', () => {
    const c = card();
    const hint = 're-exported default model: fine-tune the encoder on it (packages/inversion/scripts/default-model.ts --resume) and re-export it';
    expect(c.generator.step, hint).toBe(defaultModelStep());
    expect(c.generator.weightsSha256, hint).toBe(defaultModelWeightsSha256());
  });

  it('inverts held-out generated faces: far closer than the mean latent after 5 passes, leaking nothing', async () => {
    const w = g.sampleWPlus(4, 900_001);
    const target = g.synthesize(w);
    g.meanW().tensor.dispose(); // the generator caches the mean W on first use: not a leak of the inversion
    const before = tf.memory().numTensors;
    const result = restyleInvert(g, encoder, target.image, { iterations: 5 });
    const start = card().evaluation.generated.find((r) => r.method.startsWith('w̄'))!.mse;
    expect(result.losses).toHaveLength(5);
    // The card's w̄ row is over 16 held-out faces; these 4 are a subset of the same seed's draws.
    expect(result.losses[0]!).toBeLessThan(start);
    expect(Math.min(...result.losses)).toBeLessThan(0.6 * start);
    expect(result.losses[4]!).toBeLessThan(result.losses[0]!); // later passes refine the first
    tf.dispose([result.latent.tensor, result.reconstruction]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w.tensor, target]);
  }, 120_000);

  it('refuses a generator of another configuration', async () => {
    const tiny = createTestingGenerator({ seed: 1 });
    try {
      await expect(loadDefaultEncoder(tiny)).rejects.toMatchObject({ code: 'E_CONFIG_MISMATCH' });
    } finally {
      tiny.dispose();
    }
  });
});
