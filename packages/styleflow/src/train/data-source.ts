import * as tf from '@tensorflow/tfjs';
import { InputError, type SeededRandom } from '@semstyle/core';

/** A batch of (latent, attributes) pairs. Tensors belong to the caller. */
export interface FlowBatch {
  readonly x: tf.Tensor2D;
  readonly cond: tf.Tensor2D;
}

/** Where training pairs come from: a fixed set (`arrayDataSource`) or a sampler (synthetic toys). */
export interface FlowDataSource {
  readonly dim: number;
  readonly condDim: number;
  /** Draw `n` pairs using `rng` (the trainer's stream, saved in checkpoints, so resumes continue it). */
  batch(n: number, rng: SeededRandom): FlowBatch;
}

/**
 * Pairs held in memory: latents [N, D] (W) or [N, L, D] (W+, each row is a pair with the sample's
 * attributes, as StyleFlow trains per layer) and attributes [N, C]. Batches are drawn with replacement.
 */
export function arrayDataSource(latents: Float32Array, attributes: Float32Array, shape: { n: number; rows?: number; dim: number; condDim: number }): FlowDataSource {
  const rows = shape.rows ?? 1;
  const { n, dim, condDim } = shape;
  if (latents.length !== n * rows * dim) {
    throw new InputError('E_SHAPE', `Latents hold ${latents.length} values, expected ${n}×${rows}×${dim}.`, { details: { n, rows, dim } });
  }
  if (attributes.length !== n * condDim) {
    throw new InputError('E_SHAPE', `Attributes hold ${attributes.length} values, expected ${n}×${condDim}.`, { details: { n, condDim } });
  }
  for (const [name, a] of [['Latents', latents], ['Attributes', attributes]] as const) {
    if (!a.every(Number.isFinite)) throw new InputError('E_NON_FINITE', `${name} of the training pairs contain NaN or infinite values.`);
  }
  const total = n * rows;
  if (total === 0) throw new InputError('E_INVALID_ARGUMENT', 'The training set is empty.');
  return {
    dim,
    condDim,
    batch(size: number, rng: SeededRandom): FlowBatch {
      const x = new Float32Array(size * dim);
      const c = new Float32Array(size * condDim);
      for (let i = 0; i < size; i++) {
        const row = Math.floor(rng.uniform() * total);
        const sample = Math.floor(row / rows);
        x.set(latents.subarray(row * dim, (row + 1) * dim), i * dim);
        c.set(attributes.subarray(sample * condDim, (sample + 1) * condDim), i * condDim);
      }
      return { x: tf.tensor2d(x, [size, dim]), cond: tf.tensor2d(c, [size, condDim]) };
    },
  };
}
