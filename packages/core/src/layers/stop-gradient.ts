import * as tf from '@tensorflow/tfjs';

/** Identity in the forward pass, zero gradient in the backward pass (torch's `.detach()`). */
const detach = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = inputs[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

export function stopGradient<T extends tf.Tensor>(x: T): T {
  return detach(x) as T;
}
