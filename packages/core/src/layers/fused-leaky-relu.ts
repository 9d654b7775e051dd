import * as tf from '@tensorflow/tfjs';
import { BIAS_LEAKY_RELU, biasBlock, LEAKY_RELU_GRAD } from '../kernels/wasm-bias-leaky-relu.js';
import { isRecordingGradients } from './tape.js';

/**
 * leaky_relu(v) = v < 0 ? slope·v : v. On wasm as Prelu with a scalar slope (XNNPACK; the stock LeakyRelu
 * kernel is a scalar loop, ~2× slower): the same products, so the same values (only −0 comes out as +0).
 * Other backends keep LeakyRelu (on cpu, Prelu rounds the slope to float32 first and differs in the last bit).
 */
function leakyRelu(v: tf.Tensor, slope: number): tf.Tensor {
  return tf.getBackend() === 'wasm' ? tf.prelu(v, tf.scalar(slope)) : tf.leakyRelu(v, slope);
}

/** Switch for tests and benchmarks: false makes wasm run the op chains as other backends do. */
export const leakyReluTuning = { fusedKernels: true };

/** On wasm, the fused single-pass kernels (bit-identical values) when the bias broadcasts as one block. */
function useFusedKernels(x: tf.Tensor, bias: tf.Tensor | undefined): boolean {
  if (!leakyReluTuning.fusedKernels || tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || (bias !== undefined && bias.dtype !== 'float32')) return false;
  // Registered by kernels/register.ts (imported by the training code), not by this module.
  if (tf.getKernel(BIAS_LEAKY_RELU, 'wasm') === undefined || tf.getKernel(LEAKY_RELU_GRAD, 'wasm') === undefined) return false;
  return biasBlock(x.shape, bias?.shape ?? []) !== undefined;
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
 *
 * On wasm both passes are single fused kernels (kernels/wasm-bias-leaky-relu.ts; same values bit for bit):
 * the forward does not materialise v, so the gradient recomputes it with one Add.
 */
export function fusedLeakyRelu(x: tf.Tensor, bias?: tf.Tensor, slope = 0.2, gain = Math.SQRT2): tf.Tensor {
  const fused = useFusedKernels(x, bias);
  const leaky = (v: tf.Tensor) => leakyRelu(v, slope);
  const attrs = { slope, gain };
  const grad = (dy: tf.Tensor, v: tf.Tensor) =>
    fused ? tf.engine().runKernel(LEAKY_RELU_GRAD, { dy, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor : tf.mul(tf.mul(dy, gain), tf.step(v, slope));
  // The forward values without the intermediate v (the gradient recomputes or saves what it needs).
  const forward = (a: tf.Tensor, b?: tf.Tensor) =>
    tf.engine().runKernel(BIAS_LEAKY_RELU, b === undefined ? { x: a } : { x: a, bias: b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  if (bias === undefined) {
    // v = x is an input: the saved copy is connected to the tape already.
    const op = tf.customGrad((input: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
      const v = input as tf.Tensor;
      (save as tf.GradSaveFunc)([v]);
      return { value: fused ? forward(v) : tf.mul(leaky(v), gain), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => grad(dy, saved[0]!) };
    });
    return op(x);
  }
  const xShape = x.shape;
  const biasShape = bias.shape;
  const op = tf.customGrad((a: tf.Tensor | tf.GradSaveFunc, b: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    // The fused kernel does not materialise v: the gradient recomputes it (one Add) instead.
    const v = fused ? undefined : tf.add(a as tf.Tensor, b as tf.Tensor);
    (save as tf.GradSaveFunc)(v === undefined ? [a as tf.Tensor, b as tf.Tensor] : [a as tf.Tensor, b as tf.Tensor, v]);
    return {
      value: v === undefined ? forward(a as tf.Tensor, b as tf.Tensor) : tf.mul(leaky(v), gain),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sb, sv] = saved as [tf.Tensor, tf.Tensor, tf.Tensor | undefined];
        const dv = grad(dy, sv === undefined || isRecordingGradients() ? tf.add(sa, sb) : sv);
        return [reduceToShape(dv, xShape), reduceToShape(dv, biasShape)];
      },
    };
  });
  return op(x, bias);
}
