import * as tf from '@tensorflow/tfjs';
import { fusedLeakyRelu } from './fused-leaky-relu.js';
import { plainMatMul } from './plain-matmul.js';
import { isRecordingGradients } from './tape.js';

export interface EqualLinearOptions {
  /** Learning-rate multiplier (equalized lr): weight scale lrMul/√in, bias scale lrMul. */
  readonly lrMul?: number;
  /** Apply the fused leaky ReLU (bias goes inside the activation). */
  readonly activate?: boolean;
}

/**
 * Equalized-learning-rate linear layer. `weight` is [in, out] (the official [out, in] transposed at load)
 * and stored unscaled, as in the official checkpoints; the runtime scale keeps Adam's dynamics identical.
 */
export function equalLinear(
  x: tf.Tensor2D,
  weight: tf.Tensor2D,
  bias: tf.Tensor1D | undefined,
  options: EqualLinearOptions = {},
): tf.Tensor2D {
  const lrMul = options.lrMul ?? 1;
  return tf.tidy(() => {
    const inDim = weight.shape[0];
    const scaledWeight = tf.mul(weight, lrMul / Math.sqrt(inDim));
    // Under a tape, a product whose gradients are plain products (tfjs' are transposed ones, a scalar loop on wasm).
    const out = isRecordingGradients() ? plainMatMul(x, scaledWeight as tf.Tensor2D) : tf.matMul(x, scaledWeight);
    const scaledBias = bias === undefined ? undefined : lrMul === 1 ? bias : tf.mul(bias, lrMul);
    if (options.activate) return fusedLeakyRelu(out, scaledBias) as tf.Tensor2D;
    return (scaledBias === undefined ? out : tf.add(out, scaledBias)) as tf.Tensor2D;
  });
}
