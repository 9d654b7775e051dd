import * as tf from '@tensorflow/tfjs';
import { fusedLeakyRelu } from './fused-leaky-relu.js';
import { upfirdn2d } from './upfirdn2d.js';
import { upsampleConv, upsampleConvGeometry } from './upsample-conv.js';

/** Parameters of the render net's "fixed styled conv": a StyleGAN2 conv whose style is a learned constant. */
export interface FixedStyledConvParams {
  /** [k, k, in, out] (HWIO), unscaled. */
  readonly weight: tf.Tensor4D;
  /** Learned per-input-channel modulation [in]. */
  readonly modulation: tf.Tensor1D;
  /** Noise strength [1] (omitted: no noise injection). */
  readonly noiseStrength?: tf.Tensor1D;
  /** Bias inside the activation [out] (omitted: no activation). */
  readonly activationBias?: tf.Tensor1D;
}

export interface FixedStyledConvOptions {
  readonly demodulate: boolean;
  /** Transposed conv (stride 2) followed by the FIR blur, as the official upsampling conv. */
  readonly upsample?: { readonly kernel: Float32Array; readonly kernelSize: number };
  /** Noise added after the conv, broadcast [1|N, H, W, 1]; ignored without `noiseStrength`. */
  readonly noise?: tf.Tensor4D;
}

/** Effective weight: modulation · W / √fan_in, demodulated per output channel when asked. */
export function fixedStyledWeight(params: FixedStyledConvParams, demodulate: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, inC] = params.weight.shape;
    const scale = 1 / Math.sqrt(inC * kh * kw);
    let weight = tf.mul(params.weight, tf.mul(tf.reshape(params.modulation, [1, 1, inC, 1]), scale)) as tf.Tensor4D;
    if (demodulate) {
      const demod = tf.rsqrt(tf.add(tf.sum(tf.square(weight), [0, 1, 2], true), 1e-8));
      weight = tf.mul(weight, demod);
    }
    return weight;
  });
}

export function fixedStyledConv(
  x: tf.Tensor4D,
  params: FixedStyledConvParams,
  options: FixedStyledConvOptions,
): tf.Tensor4D {
  return tf.tidy(() => {
    const weight = fixedStyledWeight(params, options.demodulate);
    const [k, , , outC] = weight.shape;
    let out: tf.Tensor4D;
    if (options.upsample) {
      // conv_transpose2d(stride 2, padding 0) → 2H-2+k, then blur with pad (pad0, pad1) → 2H (k = 3).
      // Phase-decomposed (no zero insertion); its trailing `extra` rows/columns are zeros, which the blur's
      // trailing padding would have supplied.
      const { extra } = upsampleConvGeometry(x.shape[1], k);
      const upsampled = k >= 2 ? upsampleConv(x, weight) : referenceUpsampleConv(x, weight);
      const p = options.upsample.kernelSize - 2 - (k - 1);
      const pad0 = Math.floor((p + 1) / 2) + 1;
      const pad1 = Math.floor(p / 2) + 1 - (k >= 2 ? extra : 0);
      out = upfirdn2d(upsampled, options.upsample.kernel, options.upsample.kernelSize, { pad: [pad0, pad1] });
    } else {
      const pad = Math.floor(k / 2);
      out = tf.conv2d(x, weight, 1, [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ]);
    }
    if (params.noiseStrength !== undefined && options.noise !== undefined) {
      out = tf.add(out, tf.mul(options.noise, params.noiseStrength));
    }
    if (params.activationBias !== undefined) out = fusedLeakyRelu(out, params.activationBias) as tf.Tensor4D;
    return out;
  });
}

/**
 * The transposed conv as tfjs' `conv2dTranspose` (stride 2, padding 0): [N, H, W, in] → [N, 2H-2+k, …].
 * The reference for `upsampleConv` in tests (and the path for 1×1 kernels).
 */
export function referenceUpsampleConv(x: tf.Tensor4D, weight: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const [k, , , outC] = weight.shape;
    const transposedFilter = tf.transpose(weight, [0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2dTranspose(x, transposedFilter, [n, (h - 1) * 2 + k, (w - 1) * 2 + k, outC], 2, 'valid');
  });
}
