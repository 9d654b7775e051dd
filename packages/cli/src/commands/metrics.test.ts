import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, imagesToPixels } from '@semstyle/core';
import { loadGenerator } from '@semstyle/core/node';
import { metricsCommand } from './metrics.js';
import { encodePng } from '../png.js';

const CHECKPOINT = fileURLToPath(new URL('../../../../../shared/fixtures/official-parity/small/weights.safetensors', import.meta.url));

describe('semstyle metrics', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'semstyle-metrics-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('computes edit locality and PPL on a checkpoint and appends JSON lines', async () => {
    const results = join(dir, 'results.jsonl');
    const before = tf.memory().numTensors;
    const out = await metricsCommand({ checkpoint: CHECKPOINT, metrics: ['edit_locality', 'ppl_wend'], num: 4, batch: 2, results });
    expect(tf.memory().numTensors).toBe(before);
    expect(out.map((r) => r.name)).toEqual(['edit_locality', 'ppl_wend']);
    const locality = out[0]!.values['outside_fraction']!;
    expect(locality).toBeGreaterThanOrEqual(0);
    expect(locality).toBeLessThanOrEqual(1);
    expect(out[1]!.values['ppl']).toBeGreaterThan(0);
    const lines = readFileSync(results, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { name: string });
    expect(lines.map((l) => l.name)).toEqual(['edit_locality', 'ppl_wend']);
  });

  it('a real-vs-fake metric reads a PNG folder; FID of generated images against themselves is ≈ 0', async () => {
    const real = join(dir, 'real');
    mkdirSync(real);
    const g = await loadGenerator(CHECKPOINT);
    // The latents the fake side draws (batches of 3 from seeds 0 and 3), so both sides hold the same images
    // up to the 8-bit rounding of the PNGs.
    let index = 0;
    for (const seed of [0, 3]) {
      const w = g.sampleWPlus(3, seed);
      const o = g.synthesize(w);
      for (const p of await imagesToPixels(o.image)) writeFileSync(join(real, `${index++}.png`), encodePng(p));
      tf.dispose([w.tensor, o]);
    }
    g.dispose();
    await expect(metricsCommand({ checkpoint: CHECKPOINT, metrics: ['fid'], real, num: 6 })).rejects.toThrow(/--extractor pixels/);
    const [fid] = await metricsCommand({ checkpoint: CHECKPOINT, metrics: ['fid'], real, num: 6, batch: 3, extractor: 'pixels' });
    // Same images on both sides up to 8-bit rounding of the real PNGs.
    expect(fid!.values['fid']).toBeLessThan(1e-2);
    expect(fid!.numSamples).toEqual({ real: 6, fake: 6 });
  });

  it('unknown metric names and a missing --real are typed errors', async () => {
    await expect(metricsCommand({ checkpoint: CHECKPOINT, metrics: ['fidd'] })).rejects.toThrow(/Unknown metric "fidd". Valid metrics: .*fid/);
    await expect(metricsCommand({ checkpoint: CHECKPOINT, metrics: ['fid_nsfwjs_inception'] })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});
