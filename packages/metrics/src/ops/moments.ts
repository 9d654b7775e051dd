import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import { assertEnoughSamples } from '../core/validate.js';
import type { FeatureSet } from '../features/feature-set.js';

/** Mean and (unbiased, n−1) covariance of N feature vectors, in float64. */
export interface GaussianStats {
  readonly n: number;
  readonly d: number;
  readonly mu: Float64Array;
  /** Row-major D×D covariance. */
  readonly sigma: Float64Array;
}

/**
 * Streaming mean/covariance: each batch is centred on its own mean on the tensor backend (float32),
 * and the batches are merged in float64 with Chan et al.'s pairwise update, which avoids the
 * catastrophic cancellation of the raw E[xxᵀ] − μμᵀ formula.
 */
export class MomentAccumulator {
  private n = 0;
  private mu: Float64Array | undefined;
  private m2: Float64Array | undefined;
  private d = -1;

  add(batch: FeatureSet): void {
    if (batch.n === 0) return;
    if (this.d === -1) this.d = batch.d;
    if (batch.d !== this.d) {
      throw new InputError('E_SHAPE', `Feature width changed between batches: ${this.d} then ${batch.d}.`);
    }
    const d = this.d;
    const [bMuT, bM2T] = tf.tidy(() => {
      const x = tf.tensor2d(batch.data, [batch.n, d]);
      const mean = x.mean(0);
      const xc = x.sub(mean);
      return [mean, tf.matMul(xc, xc, true, false)];
    });
    const bMu = Float64Array.from(bMuT.dataSync());
    const bM2 = Float64Array.from(bM2T.dataSync());
    tf.dispose([bMuT, bM2T]);
    if (this.mu === undefined || this.m2 === undefined) {
      this.n = batch.n;
      this.mu = bMu;
      this.m2 = bM2;
      return;
    }
    const na = this.n;
    const nb = batch.n;
    const n = na + nb;
    const delta = new Float64Array(d);
    for (let i = 0; i < d; i++) delta[i] = (bMu[i] as number) - (this.mu[i] as number);
    const f = (na * nb) / n;
    for (let i = 0; i < d; i++) {
      const di = (delta[i] as number) * f;
      const row = i * d;
      for (let j = 0; j < d; j++) this.m2[row + j] = (this.m2[row + j] as number) + (bM2[row + j] as number) + di * (delta[j] as number);
    }
    for (let i = 0; i < d; i++) this.mu[i] = (this.mu[i] as number) + ((delta[i] as number) * nb) / n;
    this.n = n;
  }

  get count(): number {
    return this.n;
  }

  /** The statistics so far; needs at least 2 samples (the covariance divides by n − 1). */
  finish(what = 'features'): GaussianStats {
    assertEnoughSamples(this.n, 2, what, 'the covariance divides by n − 1; for a full-rank covariance use more samples than the feature width');
    const mu = this.mu as Float64Array;
    const m2 = this.m2 as Float64Array;
    const d = this.d;
    const sigma = new Float64Array(d * d);
    // Symmetrise while scaling: float32 batch scatter matrices are symmetric only up to rounding.
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) sigma[i * d + j] = ((m2[i * d + j] as number) + (m2[j * d + i] as number)) / 2 / (this.n - 1);
    }
    return { n: this.n, d, mu: Float64Array.from(mu), sigma };
  }
}

/** Mean/covariance of a whole feature set (batched so that big sets stay within memory). */
export function gaussianStats(features: FeatureSet, what = 'features', batchSize = 4096): GaussianStats {
  const acc = new MomentAccumulator();
  for (let start = 0; start < features.n; start += batchSize) {
    const end = Math.min(features.n, start + batchSize);
    acc.add({ data: features.data.subarray(start * features.d, end * features.d), n: end - start, d: features.d });
  }
  return acc.finish(what);
}
