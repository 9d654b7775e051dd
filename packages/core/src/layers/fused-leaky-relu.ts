import * as tf from '@tensorflow/tfjs';
import { isRecordingGradients } from './tape.js';

/**
 * leaky_relu(v) = v < 0 ? slope·v : v. On wasm as Prelu with a scalar slope (XNNPACK; the stock LeakyRelu
 * kernel is a scalar loop, ~2× slower): the same products, so the same values (only −0 comes out as +0).
 * Other backends keep LeakyRelu (on cpu, Prelu rounds the slope to float32 first and differs in the last bit).
 */
function leakyRelu(v: tf.Tensor, slope: number): tf.Tensor {
  return tf.getBackend() === 'wasm' ? tf.prelu(v, tf.scalar(slope)) : tf.leakyRelu(v, slope);
}

/** Sum `t` down to `shape` over its broadcast axes (what tfjs' Add gradient does), then reshape. */
function reduceToShape(t: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes([...shape], t.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, [...shape]);
}

/**
 * StyleGAN2's fused bias + leaky ReLU: leaky_relu(x + bias, slope) · gain. Bias broadcasts (usually over the
 * last axis).
 *
 * The forward pass is the plain Add, LeakyRelu and Multiply. The gradient is custom but bit-identical to
 * tfjs' own chain (Multiply → LeakyRelu → Add): dv = (dy·gain) ⊙ step(v, slope) with v = x + bias, where
 * tfjs computes `where(v > 0, g, g·slope)` — Greater and Select are slow generic kernels on wasm (~10× a
 * SIMD multiply), Step is one cheap unary pass. It stays differentiable for second-order gradients (R1,
 * path length): Step's own gradient is zero, as the comparison's was. When an outer tape records the
 * backward pass, v is recomputed from the inputs by a recorded Add, so that x and the bias stay connected
 * through the (zero) gradient of Step exactly as they were through the comparison: their second-order
 * gradients are zero tensors, not missing (Adam treats a missing gradient as "skip this parameter").
 */
export function fusedLeakyRelu(x: tf.Tensor, bias?: tf.Tensor, slope = 0.2, gain = Math.SQRT2): tf.Tensor {
  const leaky = (v: tf.Tensor) => leakyRelu(v, slope);
  const grad = (dy: tf.Tensor, v: tf.Tensor) => tf.mul(tf.mul(dy, gain), tf.step(v, slope));
  if (bias === undefined) {
    // v = x is an input: the saved copy is connected to the tape already.
    const op = tf.customGrad((input: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
      const v = input as tf.Tensor;
      (save as tf.GradSaveFunc)([v]);
      return { value: tf.mul(leaky(v), gain), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => grad(dy, saved[0]!) };
    });
    return op(x);
  }
  const xShape = x.shape;
  const biasShape = bias.shape;
  const op = tf.customGrad((a: tf.Tensor | tf.GradSaveFunc, b: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const v = tf.add(a as tf.Tensor, b as tf.Tensor);
    (save as tf.GradSaveFunc)([v, a as tf.Tensor, b as tf.Tensor]);
    return {
      value: tf.mul(leaky(v), gain),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sv, sa, sb] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dv = grad(dy, isRecordingGradients() ? tf.add(sa, sb) : sv);
        return [reduceToShape(dv, xShape), reduceToShape(dv, biasShape)];
      },
    };
  });
  return op(x, bias);
}
