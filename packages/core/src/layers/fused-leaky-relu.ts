import * as tf from '@tensorflow/tfjs';

/** StyleGAN2's fused bias + leaky ReLU: leaky_relu(x + bias, slope) · gain. Bias broadcasts over the last axis. */
export function fusedLeakyRelu(
  x: tf.Tensor,
  bias?: tf.Tensor,
  slope = 0.2,
  gain = Math.SQRT2,
): tf.Tensor {
  return tf.tidy(() => {
    const biased = bias === undefined ? x : tf.add(x, bias);
    return tf.mul(tf.leakyRelu(biased, slope), gain);
  });
}
