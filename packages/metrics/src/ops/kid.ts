import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import { assertEnoughSamples, assertInt } from '../core/validate.js';
import { selectRows, featureTensor, type FeatureSet } from '../features/feature-set.js';
import { choiceWithoutReplacement, createRng } from './random.js';

export interface KidOptions {
  /** Number of random subsets averaged (reference: 100). */
  readonly numSubsets?: number;
  /** Largest subset size m (reference: 1000); the actual m is min(this, N_real, N_fake). */
  readonly maxSubsetSize?: number;
  /** Seed of the subset draws. */
  readonly seed?: number;
}

export interface KidResult {
  readonly kid: number;
  /** Standard deviation of the per-subset estimates (as in the original KID paper's code). */
  readonly kidStd: number;
  readonly subsetSize: number;
  readonly numSubsets: number;
}

/** Sum of all entries and of the diagonal of (x·yᵀ/d + 1)³, as float64 numbers. */
function kernelSums(x: tf.Tensor2D, y: tf.Tensor2D, d: number, diagonal: boolean): [number, number] {
  const [sumT, diagT] = tf.tidy(() => {
    const k = tf.matMul(x, y, false, true).div(d).add(1).pow(3) as tf.Tensor2D;
    return [k.sum(), diagonal ? tf.sum(tf.mul(k, tf.eye(k.shape[0]))) : tf.scalar(0)];
  });
  const out: [number, number] = [sumT.dataSync()[0] as number, diagT.dataSync()[0] as number];
  tf.dispose([sumT, diagT]);
  return out;
}

/**
 * Kernel Inception Distance: the unbiased estimator of MMD² with the cubic polynomial kernel
 * k(x, y) = (x·y/d + 1)³, averaged over random subsets — the same estimator as stylegan2-ada's
 * `kernel_inception_distance.py` (and Bińkowski et al.). Returns 0 in expectation for identical
 * distributions; it can be slightly negative.
 */
export function kernelInceptionDistance(real: FeatureSet, fake: FeatureSet, options: KidOptions = {}): KidResult {
  const numSubsets = options.numSubsets ?? 100;
  const maxSubsetSize = options.maxSubsetSize ?? 1000;
  assertInt(numSubsets, 1, 'numSubsets');
  assertInt(maxSubsetSize, 2, 'maxSubsetSize');
  if (real.d !== fake.d) {
    throw new InputError('E_SHAPE', `Feature widths differ: real ${real.d}, fake ${fake.d}.`);
  }
  assertEnoughSamples(real.n, 2, 'KID real features', 'the unbiased estimator divides by m − 1');
  assertEnoughSamples(fake.n, 2, 'KID fake features', 'the unbiased estimator divides by m − 1');
  const d = real.d;
  const m = Math.min(real.n, fake.n, maxSubsetSize);
  const rng = createRng(options.seed ?? 0);
  const estimates: number[] = [];
  for (let s = 0; s < numSubsets; s++) {
    const xs = m === fake.n ? fake : selectRows(fake, choiceWithoutReplacement(fake.n, m, rng));
    const ys = m === real.n ? real : selectRows(real, choiceWithoutReplacement(real.n, m, rng));
    const x = featureTensor(xs);
    const y = featureTensor(ys);
    try {
      const [sxx, dxx] = kernelSums(x, x, d, true);
      const [syy, dyy] = kernelSums(y, y, d, true);
      const [sxy] = kernelSums(x, y, d, false);
      const t = (sxx - dxx + syy - dyy) / (m - 1) - (2 * sxy) / m;
      estimates.push(t / m);
    } finally {
      tf.dispose([x, y]);
    }
  }
  const kid = estimates.reduce((a, b) => a + b, 0) / estimates.length;
  const kidStd = Math.sqrt(estimates.reduce((a, b) => a + (b - kid) ** 2, 0) / estimates.length);
  return { kid, kidStd, subsetSize: m, numSubsets };
}
