import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '@semstyle/core';
import { leaked, useWasm } from '../test-support/setup.js';
import { frechetDistance } from './frechet.js';
import { gaussianStats, MomentAccumulator, type GaussianStats } from './moments.js';
import { sqrtmPsd, toMatrix } from './sqrtm.js';

beforeAll(useWasm);

const stats = (mu: number[], sigma: number[][]): GaussianStats => ({
  n: 100,
  d: mu.length,
  mu: Float64Array.from(mu),
  sigma: Float64Array.from(sigma.flat()),
});

const relClose = (a: number, b: number, rel = 1e-3) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(Math.abs(b), 1e-12));

describe('frechetDistance', () => {
  it('matches the closed form for diagonal covariances', () => {
    const s1 = [1, 4, 9];
    const s2 = [4, 1, 16];
    const mu1 = [0, 1, 2];
    const mu2 = [1, -1, 2];
    const diag = (v: number[]) => v.map((x, i) => v.map((_, j) => (i === j ? x : 0)));
    // ||Δμ||² = 1 + 4 = 5; Tr = Σ (s1 + s2 − 2√(s1 s2)) = Σ (√s1 − √s2)² = 1 + 1 + 1 = 3.
    relClose(frechetDistance(stats(mu1, diag(s1)), stats(mu2, diag(s2))), 8);
  });

  it('matches the closed form for commuting non-diagonal covariances (same eigenvectors)', () => {
    const c = Math.cos(0.7);
    const s = Math.sin(0.7);
    const q = [[c, -s], [s, c]];
    const build = (l: number[]) => [0, 1].map((i) => [0, 1].map((j) => q[i]![0]! * l[0]! * q[j]![0]! + q[i]![1]! * l[1]! * q[j]![1]!));
    // Eigenvalues (2, 5) and (8, 1): Tr term = (√2 − √8)² + (√5 − 1)².
    const expected = (Math.sqrt(2) - Math.sqrt(8)) ** 2 + (Math.sqrt(5) - 1) ** 2 + 3 ** 2;
    relClose(frechetDistance(stats([0, 0], build([2, 5])), stats([3, 0], build([8, 1]))), expected);
  });

  it('matches an independent 2×2 computation for non-commuting covariances', () => {
    const s1 = [[2, 0.6], [0.6, 1]];
    const s2 = [[1, -0.4], [-0.4, 3]];
    // For 2×2, Tr √(S1 S2) = √(tr(S1 S2) + 2√det(S1 S2)) (eigenvalues λ1, λ2 ≥ 0 of S1 S2).
    const p = [0, 1].map((i) => [0, 1].map((j) => s1[i]![0]! * s2[0]![j]! + s1[i]![1]! * s2[1]![j]!));
    const tr = p[0]![0]! + p[1]![1]!;
    const det = p[0]![0]! * p[1]![1]! - p[0]![1]! * p[1]![0]!;
    const trSqrt = Math.sqrt(tr + 2 * Math.sqrt(det));
    const expected = 0.5 ** 2 + 2 ** 2 + (2 + 1 + 1 + 3) - 2 * trSqrt;
    relClose(frechetDistance(stats([0.5, 0], s1), stats([0, 2], s2)), expected);
  });

  it('is ≈ 0 for a distribution against itself, also when the covariance is singular', () => {
    const s = [[1, 1, 0], [1, 1, 0], [0, 0, 2]];
    expect(frechetDistance(stats([1, 2, 3], s), stats([1, 2, 3], s))).toBeLessThan(1e-9);
  });

  it('sqrtmPsd squares back to the input', () => {
    const m = toMatrix(Float64Array.from([4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]), 3);
    const r = sqrtmPsd(m);
    const back = r.mmul(r).to1DArray();
    m.to1DArray().forEach((v, i) => expect(back[i]).toBeCloseTo(v, 10));
  });

  it('rejects non-finite statistics and mismatched widths', () => {
    const good = stats([0, 0], [[1, 0], [0, 1]]);
    const bad = stats([Number.NaN, 0], [[1, 0], [0, 1]]);
    expect(() => frechetDistance(good, bad)).toThrow(expect.objectContaining({ code: 'E_NON_FINITE' }));
    expect(() => frechetDistance(good, stats([0], [[1]]))).toThrow(InputError);
  });
});

describe('MomentAccumulator', () => {
  it('merges batches to the exact float64 mean and covariance, without leaking tensors', async () => {
    const n = 37;
    const d = 3;
    const data = new Float32Array(n * d).map((_, i) => Math.sin(i * 1.3) * 3 + 100 + (i % d));
    let s: GaussianStats | undefined;
    expect(await leaked(() => (s = gaussianStats({ data, n, d }, 'x', 5)))).toBe(0);
    const mu = [0, 1, 2].map((j) => Array.from({ length: n }, (_, i) => data[i * d + j]!).reduce((a, b) => a + b, 0) / n);
    for (let a = 0; a < d; a++) {
      expect(s!.mu[a]).toBeCloseTo(mu[a]!, 4);
      for (let b = 0; b < d; b++) {
        let c = 0;
        for (let i = 0; i < n; i++) c += (data[i * d + a]! - mu[a]!) * (data[i * d + b]! - mu[b]!);
        expect(s!.sigma[a * d + b]).toBeCloseTo(c / (n - 1), 3);
      }
    }
  });

  it('says how many samples are needed', () => {
    const acc = new MomentAccumulator();
    acc.add({ data: new Float32Array([1, 2]), n: 1, d: 2 });
    expect(() => acc.finish('real features')).toThrow(/got 1 sample\(s\), need at least 2/);
    try {
      acc.finish();
    } catch (e) {
      expect((e as InputError).code).toBe('E_NOT_ENOUGH_SAMPLES');
    }
  });

  it('handles a tensor-backed end to end FID of samples against themselves', () => {
    const feats = tf.tidy(() => tf.randomNormal([64, 4], 0, 1, 'float32', 3).dataSync());
    const s = gaussianStats({ data: Float32Array.from(feats), n: 64, d: 4 });
    expect(frechetDistance(s, s)).toBeLessThan(1e-6);
  });
});
