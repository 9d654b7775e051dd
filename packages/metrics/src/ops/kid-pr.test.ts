import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FeatureSet } from '../features/feature-set.js';
import { leaked, useWasm } from '../test-support/setup.js';
import { kernelInceptionDistance } from './kid.js';
import { knnRadiiSquared, precisionRecall } from './precision-recall.js';

beforeAll(useWasm);

const rows = (r: number[][]): FeatureSet => ({ data: Float32Array.from(r.flat()), n: r.length, d: r[0]!.length });
const gaussian = (n: number, d: number, seed: number, shift = 0): FeatureSet => {
  const t = tf.randomNormal([n, d], shift, 1, 'float32', seed);
  const data = Float32Array.from(t.dataSync());
  t.dispose();
  return { data, n, d };
};

describe('KID', () => {
  it('matches a direct evaluation of the unbiased MMD² with the cubic kernel (one subset = all samples)', () => {
    const x = rows([[0, 1], [1, 0], [0.5, 0.5], [2, 1]]);
    const y = rows([[1, 1], [0, 0], [1, 2], [0.5, -1]]);
    const k = (a: number[], b: number[]) => ((a[0]! * b[0]! + a[1]! * b[1]!) / 2 + 1) ** 3;
    const xs = [[0, 1], [1, 0], [0.5, 0.5], [2, 1]];
    const ys = [[1, 1], [0, 0], [1, 2], [0.5, -1]];
    const m = 4;
    let kxx = 0, kyy = 0, kxy = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
      if (i !== j) { kxx += k(xs[i]!, xs[j]!); kyy += k(ys[i]!, ys[j]!); }
      kxy += k(xs[i]!, ys[j]!);
    }
    const expected = kxx / (m * (m - 1)) + kyy / (m * (m - 1)) - (2 * kxy) / (m * m);
    const r = kernelInceptionDistance(y, x, { numSubsets: 3 });
    expect(r.kid).toBeCloseTo(expected, 4);
    expect(r.subsetSize).toBe(4);
  });

  it('is ≈ 0 for a set against itself and clearly positive for a shifted set; no leaks', async () => {
    const a = gaussian(300, 16, 1);
    const b = gaussian(300, 16, 2, 1);
    let self = 0;
    let shifted = 0;
    expect(await leaked(() => {
      self = kernelInceptionDistance(a, a, { numSubsets: 10, maxSubsetSize: 100 }).kid;
      shifted = kernelInceptionDistance(a, b, { numSubsets: 10, maxSubsetSize: 100 }).kid;
    })).toBe(0);
    expect(Math.abs(self)).toBeLessThan(0.02 * shifted);
    expect(shifted).toBeGreaterThan(0.5);
  });

  it('names the minimum sample count and rejects width mismatches', () => {
    expect(() => kernelInceptionDistance(rows([[1, 2]]), rows([[1, 2], [3, 4]]))).toThrow(expect.objectContaining({ code: 'E_NOT_ENOUGH_SAMPLES' }));
    expect(() => kernelInceptionDistance(rows([[1, 2], [0, 0]]), rows([[1], [3]]))).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
  });
});

describe('precision / recall', () => {
  // 1-D points. Real radii with k = 3 (4th smallest distance, self included): at 0 → 3, at 2 → 2, at 4 → 3.
  const real = rows([[0], [1], [2], [3], [4]]);
  const fake = rows([[0.5], [2], [10], [11], [12]]);

  it('k-NN radii are the (k+1)-th smallest distances', () => {
    expect(Array.from(knnRadiiSquared(real, 3))).toEqual([9, 4, 4, 4, 9]);
  });

  it('match the hand-computed manifolds', async () => {
    let r = { precision: -1, recall: -1 };
    expect(await leaked(() => (r = precisionRecall(real, fake, { k: 3 })))).toBe(0);
    // Precision: 0.5 and 2 fall in real balls (real manifold spans [−3, 7]); 10, 11, 12 do not.
    expect(r.precision).toBeCloseTo(2 / 5, 6);
    // Recall: fake radii: 0.5 → 10.5, so every real point is covered.
    expect(r.recall).toBe(1);
    // Swapping roles swaps the figures' meaning: fake as reference.
    const swapped = precisionRecall(fake, real, { k: 3 });
    expect(swapped.recall).toBeCloseTo(2 / 5, 6);
  });

  it('is (1, 1) for a set against itself, also when distance blocks are small', () => {
    const a = gaussian(50, 4, 7);
    expect(precisionRecall(a, a, { blockElements: 64 })).toEqual({ precision: 1, recall: 1 });
  });

  it('needs k + 1 points', () => {
    expect(() => precisionRecall(rows([[0], [1], [2]]), real)).toThrow(/need at least 4/);
  });
});
