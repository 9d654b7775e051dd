import * as tf from '@tensorflow/tfjs';
import { fusedLeakyRelu } from './fused-leaky-relu.js';
import { upfirdn2d } from './upfirdn2d.js';

/** The discriminator's ConvLayer: [blur →] equalized conv (stride 2 when downsampling) [→ fused lrelu]. */
export interface ConvLayerParams {
  /** [k, k, in, out] (HWIO), unscaled. */
  readonly weight: tf.Tensor4D;
  /** Bias inside the activation, or the conv's own bias when not activated (omitted: none). */
  readonly bias?: tf.Tensor1D;
}

export interface ConvLayerOptions {
  readonly activate: boolean;
  readonly downsample?: { readonly kernel: Float32Array; readonly kernelSize: number };
}

export function convLayer(x: tf.Tensor4D, params: ConvLayerParams, options: ConvLayerOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const [k, , inC] = params.weight.shape;
    const weight = tf.mul(params.weight, 1 / Math.sqrt(inC * k * k)) as tf.Tensor4D;
    let out: tf.Tensor4D;
    if (options.downsample) {
      const { kernel, kernelSize } = options.downsample;
      const p = kernelSize - 2 + (k - 1);
      const blurred = upfirdn2d(x, kernel, kernelSize, { pad: [Math.floor((p + 1) / 2), Math.floor(p / 2)] });
      out = tf.conv2d(blurred, weight, 2, 'valid');
    } else {
      const pad = Math.floor(k / 2);
      out = tf.conv2d(x, weight, 1, [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ]);
    }
    if (options.activate) return fusedLeakyRelu(out, params.bias) as tf.Tensor4D;
    return params.bias === undefined ? out : tf.add(out, params.bias);
  });
}
