import * as tf from '@tensorflow/tfjs';
import { assertRank, assertSameShape } from '../core/validate.js';

/** Per-image mean squared error over H, W and C: [N]. Inputs NHWC, same shape; not disposed. */
export function msePerImage(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D {
  assertRank(a, 4, 'a');
  assertRank(b, 4, 'b');
  assertSameShape(a, b, 'a', 'b');
  return tf.tidy(() => tf.squaredDifference(a, b).mean([1, 2, 3]) as tf.Tensor1D);
}

/**
 * Per-image PSNR in dB, 10·log10(R² / MSE), [N]. `dataRange` R is max − min of the value range:
 * 2 for semstyle images in [−1, 1] (the default), 255 for bytes, 1 for [0, 1]. Identical images give +∞.
 */
export function psnrPerImage(a: tf.Tensor4D, b: tf.Tensor4D, dataRange = 2): tf.Tensor1D {
  const mse = msePerImage(a, b);
  try {
    return tf.tidy(() => tf.scalar(dataRange * dataRange).div(mse).log().mul(10 / Math.LN10) as tf.Tensor1D);
  } finally {
    mse.dispose();
  }
}
