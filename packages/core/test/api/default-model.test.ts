import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromOfficialArgs, initBackend } from '../../src/index.js';
import { defaultModelPath, hasDefaultModel, loadGenerator } from '../../src/node/index.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

describe('the embedded default model', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('ships in the package with its model card', () => {
    expect(hasDefaultModel()).toBe(true);
    const card = JSON.parse(readFileSync(join(defaultModelPath(), 'card.json'), 'utf8')) as { step: number; sizeBytes: number; evaluation: { fid: number; fidFloor: number } };
    expect(card.step).toBeGreaterThan(0);
    expect(card.sizeBytes).toBeLessThanOrEqual(20 * 2 ** 20); // the limit for a committed model
    expect(card.evaluation.fid).toBeGreaterThan(card.evaluation.fidFloor);
    expect(readFileSync(join(defaultModelPath(), 'README.md'), 'utf8')).toContain(`step ${card.step}`);
  });

  it('is what loadGenerator() loads without a path: the default64 config, finite outputs, nothing leaked', async () => {
    const before = tf.memory().numTensors;
    const g = await loadGenerator();
    try {
      const expected = configFromOfficialArgs(JSON.parse(readFileSync(join(ROOT, 'models/default64.config.json'), 'utf8')) as Record<string, unknown>).generator;
      expect(g.config).toEqual(expected);
      expect(g.regions).toContain('hair');
      const latent = g.sampleWPlus(2, 0, { truncation: 0.7 });
      const out = g.synthesize(latent);
      latent.tensor.dispose();
      expect(out.image.shape).toEqual([2, 64, 64, 3]);
      expect(out.seg.shape).toEqual([2, 64, 64, 13]);
      const finite = tf.tidy(() => tf.all(tf.isFinite(out.image)).dataSync()[0]);
      expect(finite).toBe(1);
      tf.dispose(out);
    } finally {
      g.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
