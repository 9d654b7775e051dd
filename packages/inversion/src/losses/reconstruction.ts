import * as tf from '@tensorflow/tfjs';

/**
 * Per-image mean squared error, optionally weighted by a per-pixel map `weight` [N, H, W, 1] (normalised
 * by the weight's sum, so a region mask gives the MSE inside the region).
 */
export function weightedMse(a: tf.Tensor4D, b: tf.Tensor4D, weight?: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const sq = tf.squaredDifference(a, b);
    if (weight === undefined) return tf.mean(sq, [1, 2, 3]) as tf.Tensor1D;
    const num = tf.sum(tf.mul(sq, weight), [1, 2, 3]);
    const den = tf.add(tf.mul(tf.sum(weight, [1, 2, 3]), a.shape[3]), 1e-8);
    return tf.div(num, den) as tf.Tensor1D;
  });
}

/** Mean squared distance of every W+ code to `mean` [1, D] (or [1, 1, D]) per image: [N]. */
export function latentPrior(wplus: tf.Tensor3D, mean: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tf.squaredDifference(wplus, tf.reshape(mean, [1, 1, -1])), [1, 2]) as tf.Tensor1D);
}

/** Per-image mean squared W+ difference [N]. */
export function latentMse(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tf.squaredDifference(a, b), [1, 2]) as tf.Tensor1D);
}

/** pSp's w-norm: ‖w − w̄‖₂ per code, averaged over codes: [N]. */
export function wNorm(wplus: tf.Tensor3D, mean: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tf.norm(tf.sub(wplus, tf.reshape(mean, [1, 1, -1])), 'euclidean', 2), 1) as tf.Tensor1D);
}
