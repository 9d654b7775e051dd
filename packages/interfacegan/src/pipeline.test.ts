import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionSlots, type WPlusLatent } from '@semstyle/core';
import { createTestingGenerator, leakedTensors } from '@semstyle/core/testing';
import { trainBoundary } from './boundary.js';
import { conditionDirection } from './conditional.js';
import { edit, signedDistance, toWPlusFor } from './edit.js';
import { compareDirections, measureEditLocality } from './restricted.js';
import { generateSamples, samplesToLatent, type LatentSamples } from './samples.js';
import { regionAreaScorer, regionColorScorer, runScorers } from './scorers.js';
import { useWasm } from './test-support/setup.js';

// The testing generator: tiny SemanticStyleGAN (32×32, K = 4: background, region_1, region_2, region_3), random weights.
let g: ReturnType<typeof createTestingGenerator>;
const REGION = 'region_2';
const scorers = { area: regionAreaScorer({ regions: REGION }), luma: regionColorScorer({ regions: REGION }) };
let samples: LatentSamples<'w+'>;
let progress: number[] = [];

beforeAll(async () => {
  await useWasm();
  g = createTestingGenerator();
  // N = 300 W+ latents (W broadcast), rendered in batches of 50 and scored.
  samples = await generateSamples(g, { n: 300, seed: 2, space: 'w+', scorers, batchSize: 50, onProgress: (p) => progress.push(p.done) });
});
afterAll(() => g.dispose());

async function meanScore(latent: WPlusLatent): Promise<number> {
  const out = g.synthesize(latent);
  const masks = tf.softmax(out.seg) as tf.Tensor4D;
  const s = (await runScorers({ area: scorers.area }, { images: out.image, masks, regions: g.regions }, latent.tensor.shape[0])).area!;
  tf.dispose([out, masks]);
  return s.reduce((a, b) => a + b, 0) / s.length;
}

describe('pipeline on the testing generator', () => {
  it('samples, scores and reports progress in batches', () => {
    expect(progress).toEqual([50, 100, 150, 200, 250, 300]);
    expect(samples.latents).toHaveLength(300 * 9 * 32);
    expect(samples.z).toHaveLength(300 * 32);
    expect(samples.scores.area!.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(new Set(samples.scores.area).size).toBeGreaterThan(100);
  });

  it('sampling is independent of the batch size, supports Z / W / truncation / region mixing, and leaks nothing', async () => {
    const a = await generateSamples(g, { n: 5, seed: 2, space: 'w+', scorers, batchSize: 2 });
    expect(Array.from(a.latents)).toEqual(Array.from(samples.latents.subarray(0, 5 * 288)));
    expect(Array.from(a.scores.area!)).toEqual(Array.from(samples.scores.area!.subarray(0, 5)));
    const z = await generateSamples(g, { n: 3, seed: 2, space: 'z' });
    expect(Array.from(z.latents)).toEqual(Array.from(samples.z!.subarray(0, 96)));
    const wt = await generateSamples(g, { n: 3, seed: 2, space: 'w', truncation: 0.5 });
    expect(wt.truncation).toBe(0.5);
    const mixed = await generateSamples(g, { n: 2, seed: 2, space: 'w+', regionMixing: true });
    expect(mixed.z).toBeNull();
    // Region mixing: the two codes of a region are equal, different regions differ.
    const slot = (i: number, k: number) => Array.from(mixed.latents.subarray(i * 288 + k * 32, i * 288 + (k + 1) * 32));
    expect(slot(0, 1)).toEqual(slot(0, 2));
    expect(slot(0, 3)).not.toEqual(slot(0, 1));
    expect(await leakedTensors(() => generateSamples(g, { n: 3, seed: 4, space: 'w+', scorers, batchSize: 2, onBatch: () => undefined }))).toBe(0);
  });

  it('mask scorer → boundary → edit moves the score in the intended direction', async () => {
    const d = trainBoundary(samples, 'area', { fraction: 0.1 });
    expect(d.info.accuracy!.validation).toBeGreaterThanOrEqual(0.8);
    const x = samplesToLatent(samples, Array.from({ length: 16 }, (_, i) => 100 + i));
    const up = edit(x, d, 2);
    const down = edit(x, d, -2);
    const [s0, sUp, sDown] = [await meanScore(x), await meanScore(up), await meanScore(down)];
    console.info(`area of ${REGION}: −2 → ${sDown.toFixed(4)}, 0 → ${s0.toFixed(4)}, +2 → ${sUp.toFixed(4)}`);
    expect(sUp).toBeGreaterThan(s0);
    expect(sDown).toBeLessThan(s0);
    const before = signedDistance(x, d);
    const after = signedDistance(up, d);
    before.forEach((v, i) => expect(after[i]! - v).toBeCloseTo(2, 4));
    tf.dispose([x.tensor, up.tensor, down.tensor]);
  });

  it('a region-restricted edit changes no other W+ slot and is at least as local as the unrestricted one', async () => {
    const un = trainBoundary(samples, 'area', { fraction: 0.1 });
    const re = trainBoundary(samples, 'area', { fraction: 0.1, regions: [REGION] });
    const slots = regionSlots(g.layout, [REGION]);
    expect(re.info.slots).toEqual(slots);
    const x = samplesToLatent(samples, Array.from({ length: 16 }, (_, i) => i));
    const e = edit(x, re, 3);
    const delta = tf.tidy(() => tf.abs(tf.sub(e.tensor, x.tensor)).max(2).max(0).arraySync()) as number[];
    delta.forEach((v, k) => (slots.includes(k) ? expect(v).toBeGreaterThan(0) : expect(v).toBe(0)));
    const cmp = compareDirections(re, un);
    expect(cmp.restrictedNormOutside).toBe(0);
    // Broadcast W+ samples: every slot holds the same W, so the unrestricted normal spreads evenly (2 of 9 slots).
    expect(cmp.unrestrictedShareOnSlots).toBeCloseTo(2 / 9, 4);
    const rows: string[] = [];
    for (const strength of [1, 2, 3]) {
      const lu = measureEditLocality(g, x, un, { strength, regions: [REGION] });
      const lr = measureEditLocality(g, x, re, { strength, regions: [REGION] });
      rows.push(`s=${strength}: unrestricted ${lu.outsideFraction.toFixed(4)} (IoU ${lu.meanIou.toFixed(3)}), restricted ${lr.outsideFraction.toFixed(4)} (IoU ${lr.meanIou.toFixed(3)})`);
      expect(lr.outsideFraction).toBeLessThanOrEqual(lu.outsideFraction);
    }
    console.info(`edit locality (outside fraction, 16 latents): ${rows.join('; ')}; cosine ${cmp.cosine.toFixed(4)}`);
    tf.dispose([x.tensor, e.tensor]);
  });

  it('a conditioned direction leaves the condition\'s signed distance unchanged', () => {
    const area = trainBoundary(samples, 'area', { fraction: 0.1 });
    const luma = trainBoundary(samples, 'luma', { fraction: 0.1 });
    const only = conditionDirection(area, [luma]);
    const x = samplesToLatent(samples, [0, 1, 2]);
    const e = edit(x, only, 3);
    const before = signedDistance(x, luma);
    const after = signedDistance(e, luma);
    before.forEach((v, i) => expect(after[i]).toBeCloseTo(v, 3));
    tf.dispose([x.tensor, e.tensor]);
  });

  it('measureEditLocality and toWPlusFor leak nothing', async () => {
    const d = trainBoundary(samples, 'area', { fraction: 0.1, regions: [REGION] });
    const x = samplesToLatent(samples, [0, 1]);
    expect(await leakedTensors(() => measureEditLocality(g, x, d, { strength: 1, regions: [REGION] }))).toBe(0);
    expect(await leakedTensors(() => toWPlusFor(g, x).tensor.dispose())).toBe(0);
    const z = g.sampleZ(2, 0);
    expect(await leakedTensors(() => toWPlusFor(g, z, 0.7).tensor.dispose())).toBe(0);
    expect(await leakedTensors(() => samplesToLatent(samples, [3]).tensor.dispose())).toBe(0);
    tf.dispose([x.tensor, z.tensor]);
  });
});
