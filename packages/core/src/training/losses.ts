import * as tf from '@tensorflow/tfjs';

/**
 * SemanticStyleGAN's losses as plain functions over tensors (train.py). All NHWC; each returns tensors
 * the caller owns.
 */

/** D loss: mean softplus(−D(real)) + mean softplus(D(fake)). */
export function discriminatorLogisticLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mean(tf.softplus(tf.neg(realLogits))), tf.mean(tf.softplus(fakeLogits))) as tf.Scalar);
}

/** G loss (non-saturating): mean softplus(−D(fake)). */
export function generatorNonSaturatingLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar);
}

/**
 * Mask regulariser: mean((seg_coarse − avgpool(seg to the coarse size))²), overall and per sample.
 * `segCoarse` [N, h, w, K], `seg` [N, H, W, K] with H a multiple of h.
 */
export function maskRegularizer(segCoarse: tf.Tensor4D, seg: tf.Tensor4D): { mean: tf.Scalar; perSample: tf.Tensor1D } {
  return tf.tidy(() => {
    const factor = seg.shape[1] / segCoarse.shape[1];
    const pooled = factor === 1 ? seg : tf.avgPool(seg, factor, factor, 'valid');
    const sq = tf.square(tf.sub(segCoarse, pooled));
    return { mean: tf.mean(sq) as tf.Scalar, perSample: tf.mean(sq, [1, 2, 3]) as tf.Tensor1D };
  });
}
