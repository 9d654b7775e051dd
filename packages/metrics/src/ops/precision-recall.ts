import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import { assertEnoughSamples, assertInt } from '../core/validate.js';
import { featureTensor, type FeatureSet } from '../features/feature-set.js';

export interface PrecisionRecallOptions {
  /** Neighbourhood size k (Kynkäänniemi et al. and stylegan2-ada: 3). */
  readonly k?: number;
  /** Upper bound on the elements of one distance block (memory knob). */
  readonly blockElements?: number;
}

export interface PrecisionRecallResult {
  readonly precision: number;
  readonly recall: number;
}

/** Squared Euclidean distances between the rows of a and b, clamped at 0. */
function squaredDistances(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const a2 = a.square().sum(1, true);
    const b2 = b.square().sum(1, true).transpose();
    return tf.relu(a2.add(b2).sub(tf.matMul(a, b, false, true).mul(2))) as tf.Tensor2D;
  });
}

function rowBlock(cols: number, blockElements: number): number {
  return Math.max(1, Math.floor(blockElements / Math.max(1, cols)));
}

/**
 * Squared radius of each point's k-NN ball inside its own set: the (k+1)-th smallest squared
 * distance, the point itself (distance 0) being the first — as stylegan2-ada's `kthvalue(k + 1)`.
 */
export function knnRadiiSquared(set: FeatureSet, k: number, blockElements = 1 << 24): Float32Array {
  assertEnoughSamples(set.n, k + 1, 'precision/recall manifold', `a k-NN radius with k = ${k} needs k + 1 points`);
  const all = featureTensor(set);
  const out = new Float32Array(set.n);
  const rows = rowBlock(set.n, blockElements);
  try {
    for (let start = 0; start < set.n; start += rows) {
      const size = Math.min(rows, set.n - start);
      const kth = tf.tidy(() => {
        const block = all.slice([start, 0], [size, set.d]);
        const d2 = squaredDistances(block, all);
        const { values } = tf.topk(d2.neg(), k + 1, true);
        return values.slice([0, k], [size, 1]).neg().reshape([size]);
      });
      out.set(kth.dataSync(), start);
      kth.dispose();
    }
  } finally {
    all.dispose();
  }
  return out;
}

/** Fraction of `query` rows inside at least one ball (centre `manifold` row j, squared radius r²_j). */
export function manifoldCoverage(
  query: FeatureSet,
  manifold: FeatureSet,
  radiiSquared: Float32Array,
  blockElements = 1 << 24,
): number {
  const q = featureTensor(query);
  const m = featureTensor(manifold);
  const r2 = tf.tensor1d(radiiSquared);
  let inside = 0;
  const rows = rowBlock(manifold.n, blockElements);
  try {
    for (let start = 0; start < query.n; start += rows) {
      const size = Math.min(rows, query.n - start);
      const count = tf.tidy(() => {
        const d2 = squaredDistances(q.slice([start, 0], [size, query.d]), m);
        return tf.lessEqual(d2, r2.expandDims(0)).any(1).cast('float32').sum();
      });
      inside += count.dataSync()[0] as number;
      count.dispose();
    }
  } finally {
    tf.dispose([q, m, r2]);
  }
  return inside / query.n;
}

/**
 * Improved precision and recall (Kynkäänniemi et al. 2019): precision is the fraction of fake samples
 * inside the real manifold (union of real k-NN balls), recall the fraction of real samples inside the
 * fake manifold.
 */
export function precisionRecall(real: FeatureSet, fake: FeatureSet, options: PrecisionRecallOptions = {}): PrecisionRecallResult {
  const k = options.k ?? 3;
  assertInt(k, 1, 'k');
  if (real.d !== fake.d) throw new InputError('E_SHAPE', `Feature widths differ: real ${real.d}, fake ${fake.d}.`);
  const block = options.blockElements ?? 1 << 24;
  const realRadii = knnRadiiSquared(real, k, block);
  const fakeRadii = knnRadiiSquared(fake, k, block);
  return {
    precision: manifoldCoverage(fake, real, realRadii, block),
    recall: manifoldCoverage(real, fake, fakeRadii, block),
  };
}
