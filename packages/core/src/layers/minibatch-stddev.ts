import * as tf from '@tensorflow/tfjs';
import { InputError } from '../contract/errors.js';

/**
 * Minibatch standard deviation (StyleGAN2), NHWC: samples n, n + N/G, n + 2N/G, … form a group of G;
 * the population std over the group, averaged over H, W and each feature's channels, is appended as
 * `features` extra channels.
 */
export function minibatchStddev(x: tf.Tensor4D, groupSize: number, features: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const group = Math.min(n, groupSize);
  if (n % group !== 0) {
    throw new InputError(
      'E_SHAPE',
      `Discriminator batch ${n} is not divisible by the minibatch-stddev group ${group}; use a batch that is a multiple of ${group} (or ≤ ${groupSize}).`,
      { details: { batch: n, group } },
    );
  }
  return tf.tidy((): tf.Tensor4D => {
    const grouped = tf.reshape(x, [group, n / group, h, w, features, c / features]);
    const mean = tf.mean(grouped, 0, true);
    const variance = tf.mean(tf.square(tf.sub(grouped, mean)), 0);
    const std = tf.sqrt(tf.add(variance, 1e-8));
    const stat = tf.mean(std, [1, 2, 4]); // [n/group, features]
    // Sample n reads statistic n mod (N/G). Tiles stay at rank ≤ 4 (tfjs has no rank-5 tile gradient).
    const perSample = tf.reshape(tf.tile(tf.reshape(stat, [1, n / group, features]), [group, 1, 1]), [n, 1, 1, features]);
    return tf.concat([x, tf.tile(perSample, [1, h, w, 1]) as tf.Tensor4D], 3);
  });
}
