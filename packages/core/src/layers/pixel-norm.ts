import * as tf from '@tensorflow/tfjs';

/** x · rsqrt(mean(x², last axis) + 1e-8): normalises each latent to unit RMS before the mapping MLP. */
export function pixelNorm<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-8))) as T);
}
