import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, LatentSpaceError, SeededRandom, type LatentLayout } from '@semstyle/core';
import { createTestingGenerator } from '@semstyle/core/testing';
import { trainBoundary, trainBoundaryDetailed } from './boundary.js';
import { generateSamples, type LatentSamples } from './samples.js';
import { expectCode, useWasm } from './test-support/setup.js';

beforeAll(useWasm);

/** Scores from a planted hyperplane: n·x + noise·σ(n·x) (n a seeded random unit vector). Returns scores and n. */
function planted(samples: LatentSamples, noise: number, seed: number): { scores: Float64Array; n: Float64Array } {
  const rng = new SeededRandom(seed);
  const d = samples.styleDim;
  const raw = rng.normalArray(d);
  const len = Math.hypot(...raw);
  const n = Float64Array.from(raw, (v) => v / len);
  const proj = new Float64Array(samples.n);
  for (let i = 0; i < samples.n; i++) for (let j = 0; j < d; j++) proj[i] = proj[i]! + n[j]! * samples.latents[i * d + j]!;
  const mean = proj.reduce((a, b) => a + b, 0) / samples.n;
  const std = Math.sqrt(proj.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.n);
  return { scores: proj.map((p) => p + noise * std * rng.normal()), n };
}

const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s; // both unit
};

function synthetic(n: number, space: 'z' | 'w' | 'w+', layout: LatentLayout, seed = 0): LatentSamples<typeof space> {
  const dim = space === 'w+' ? layout.nLatent * layout.styleDim : layout.styleDim;
  return {
    space, n, styleDim: layout.styleDim, layout, latents: new SeededRandom(seed).normalArray(n * dim), z: null, scores: {},
    seed: null, truncation: 1, regionMixing: false, generatorHash: null,
  };
}
const tinyLayout: LatentLayout = { styleDim: 4, baseLayers: 1, regionNames: ['background', 'mouth', 'hair'], nLatent: 7 };

describe('boundary training (InterFaceGAN protocol)', () => {
  it('recovers a planted hyperplane: cosine ≥ 0.95 (Z: N = 10 000, default 2 %; W: N = 40 000, 10 %)', async () => {
    const g = createTestingGenerator();
    // Z (isotropic Gaussian, the protocol's home ground): default fraction 2 % → 200 + 200 samples, 140 + 140 train.
    const zs = await generateSamples(g, { n: 10_000, seed: 1, space: 'z' });
    const pz = planted(zs, 0.1, 5);
    const dz = trainBoundary(zs, pz.scores, { attribute: 'planted' });
    const cz = cos(dz.normal, pz.n);
    // The testing generator's W (random MLP: skewed, anisotropic): the max-margin normal of the 2 % extremes
    // tilts away from n at this N; a larger fraction and N bring it back.
    const ws = await generateSamples(g, { n: 40_000, seed: 1, space: 'w' });
    const pw = planted(ws, 0.1, 5);
    const dw = trainBoundary(ws, pw.scores, { fraction: 0.1 });
    const cw = cos(dw.normal, pw.n);
    const cw2 = cos(trainBoundary(ws, pw.scores).normal, pw.n);
    console.info(`planted: Z N=10000 2% cos=${cz.toFixed(4)}; W N=40000 10% cos=${cw.toFixed(4)}, 2% cos=${cw2.toFixed(4)}`);
    expect(cz).toBeGreaterThanOrEqual(0.95);
    expect(cw).toBeGreaterThanOrEqual(0.95);
    expect(cw2).toBeGreaterThan(0.8);
    expect(dz.info).toMatchObject({ attribute: 'planted', numSamples: 10_000, fraction: 0.02, numPerClass: 200, numTrainPerClass: 140, seed: 0, C: 1 });
    expect(dz.info.accuracy!.validation).toBe(1);
    expect(dz.info.generatorHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Math.hypot(...dz.normal)).toBeCloseTo(1, 5);
    expect(dz.offset).toBeCloseTo(dz.info.intercept! / dz.info.coefNorm!, 6);
    g.dispose();
  });

  it('splits 70/30 per class, seeded, and skips non-finite scores', () => {
    const s = synthetic(100, 'w', tinyLayout);
    const scores = Array.from({ length: 100 }, (_, i) => (i === 3 ? Number.NaN : i));
    const r = trainBoundaryDetailed(s, scores, { fraction: 0.1 });
    expect(r.numInvalid).toBe(1);
    expect(r.direction.info.numSamples).toBe(99);
    expect(r.direction.info.numPerClass).toBe(9); // ⌊99 · 0.1⌋
    expect(r.split.positiveTrain).toHaveLength(6);
    expect(r.split.positiveValidation).toHaveLength(3);
    expect([...r.split.positiveTrain, ...r.split.positiveValidation].sort((a, b) => a - b)).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99]);
    expect([...r.split.negativeTrain, ...r.split.negativeValidation].sort((a, b) => a - b)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
    expect(r.thresholds).toEqual({ positive: 91, negative: 9 });
    expect(trainBoundaryDetailed(s, scores, { fraction: 0.1 }).split).toEqual(r.split);
    expect(trainBoundaryDetailed(s, scores, { fraction: 0.1, seed: 1 }).split).not.toEqual(r.split);
    // Fraction above ½ is capped at ⌊N/2⌋ per class.
    expect(trainBoundaryDetailed(s, scores, { fraction: 0.9 }).direction.info.numPerClass).toBe(49);
  });

  it('restricted to regions: trains on those W+ slots only and is exactly zero elsewhere', () => {
    const s = synthetic(400, 'w+', tinyLayout, 2);
    // Score = mouth texture code's first value + coarse code's first value.
    const D = 4;
    const scores = Array.from({ length: 400 }, (_, i) => s.latents[i * 28 + 4 * D]! + s.latents[i * 28]!);
    const d = trainBoundary(s, scores, { fraction: 0.1, regions: ['mouth'], kinds: ['texture'], attribute: 'smiling' });
    expect(d.info.slots).toEqual([4]);
    expect(d.info.regions).toEqual(['mouth']);
    expect(d.info.kinds).toEqual(['texture']);
    for (let k = 0; k < 7; k++) {
      const part = Array.from(d.normal.subarray(k * D, (k + 1) * D));
      if (k === 4) expect(Math.abs(part[0]!)).toBeGreaterThan(0.9);
      else expect(part.every((v) => v === 0)).toBe(true);
    }
    const un = trainBoundary(s, scores, { fraction: 0.1 });
    expect(Math.abs(un.normal[0]!)).toBeGreaterThan(0.5); // the unrestricted one also uses the coarse code
  });

  it('rejects bad input with typed errors', () => {
    const s = synthetic(60, 'w', tinyLayout);
    const scores = Array.from({ length: 60 }, (_, i) => i);
    // 2 % of 60 = 1 per class: no validation sample left.
    const e = expectCode(() => trainBoundary(s, scores), 'E_NOT_ENOUGH_SAMPLES', InputError);
    expect(e.details).toMatchObject({ valid: 60, chosen: 1, needed: 100 });
    expect(e.message).toMatch(/at least 100/);
    expect(() => trainBoundary(synthetic(100, 'w', tinyLayout), Array.from({ length: 100 }, (_, i) => i))).not.toThrow();
    expectCode(() => trainBoundary(s, new Array(60).fill(0.5), { fraction: 0.1 }), 'E_INVALID_ARGUMENT');
    // Ties across the top and bottom sets.
    expectCode(() => trainBoundary(s, scores.map((v) => (v < 50 ? 0 : 1)), { fraction: 0.5 }), 'E_INVALID_ARGUMENT');
    expectCode(() => trainBoundary(s, scores.slice(1)), 'E_SHAPE');
    expectCode(() => trainBoundary(s, 'missing'), 'E_INVALID_ARGUMENT');
    expectCode(() => trainBoundary(s, scores, { fraction: 0 }), 'E_INVALID_ARGUMENT');
    expectCode(() => trainBoundary(s, scores, { fraction: 0.1, regions: ['mouth'] }), 'E_LATENT_SPACE', LatentSpaceError);
    expectCode(() => trainBoundary(synthetic(60, 'w+', tinyLayout), scores, { fraction: 0.1, regions: ['nose'] }), 'E_UNKNOWN_REGION');
  });
});
