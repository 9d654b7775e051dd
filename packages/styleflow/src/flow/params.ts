import * as tf from '@tensorflow/tfjs';
import type { SeededRandom } from '@semstyle/core';

/** torch.nn.Linear's default init, U(−1/√fanIn, 1/√fanIn), drawn from a seeded stream (same on every backend). */
export function uniformInit(rng: SeededRandom, shape: readonly number[], fanIn: number): tf.Tensor {
  const bound = 1 / Math.sqrt(Math.max(1, fanIn));
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = (rng.uniform() * 2 - 1) * bound;
  return tf.tensor(data, [...shape]);
}

/** Wrap an initial value as a tf.Variable (the initial tensor is consumed). */
export function variableFrom(init: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(init, trainable);
  init.dispose();
  return v;
}
