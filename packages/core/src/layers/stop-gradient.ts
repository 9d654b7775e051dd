import * as tf from '@tensorflow/tfjs';

/** Identity in the forward pass, zero gradient in the backward pass (torch's `.detach()`). */
export const stopGradient: <T extends tf.Tensor>(x: T) => T = tf.customGrad((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as <T extends tf.Tensor>(x: T) => T;
