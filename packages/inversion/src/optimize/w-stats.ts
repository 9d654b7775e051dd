import * as tf from '@tensorflow/tfjs';
import type { SemanticGeneratorV1 } from '@semstyle/core';

/**
 * The projector's W statistics: w̄ (the generator's cached mean W) and w_std = √(Σ‖w − w̄‖² / n) over `samples`
 * mapped Z (seeded), a scalar. Returns w̄ [1, D] (owned by the caller) and w_std.
 */
export function wStatistics(g: SemanticGeneratorV1, samples = 10_000, seed = 123): { mean: tf.Tensor2D; std: number } {
  const mean = g.meanW().tensor;
  let sum = 0;
  const chunk = 1000;
  for (let done = 0, part = 0; done < samples; done += chunk, part++) {
    const n = Math.min(chunk, samples - done);
    const z = g.sampleZ(n, seed * 7919 + part);
    const w = g.map(z);
    sum += tf.tidy(() => tf.sum(tf.squaredDifference(w.tensor, mean)).dataSync()[0]!);
    tf.dispose([z.tensor, w.tensor]);
  }
  return { mean, std: Math.sqrt(sum / samples) };
}
