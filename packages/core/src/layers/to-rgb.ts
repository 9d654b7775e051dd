import * as tf from '@tensorflow/tfjs';
import { plainMatMul } from './plain-matmul.js';
import { isRecordingGradients } from './tape.js';
import { upfirdn2d } from './upfirdn2d.js';

/** A style-free "ToRGB" head: 1×1 conv with W · modulation / √in (not demodulated) + bias. */
export interface ToRgbParams {
  /** [in, out] (the 1×1 conv as a matrix), unscaled. */
  readonly weight: tf.Tensor2D;
  readonly modulation: tf.Tensor1D;
  readonly bias: tf.Tensor1D;
}

/** The head's effective [in, out] matrix. */
export function toRgbMatrix(params: ToRgbParams): tf.Tensor2D {
  return tf.tidy(() => {
    const inC = params.weight.shape[0];
    return tf.mul(params.weight, tf.mul(tf.reshape(params.modulation, [inC, 1]), 1 / Math.sqrt(inC)));
  });
}

export interface SkipUpsample {
  readonly kernel: Float32Array;
  readonly kernelSize: number;
}

/** Apply a head to NHWC activations; with `skip`, add the previous output upsampled ×2 (upfirdn2d, pad (2, 1)). */
export function toRgb(
  x: tf.Tensor4D,
  params: ToRgbParams,
  skip?: tf.Tensor4D,
  upsample?: SkipUpsample,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, inC] = x.shape;
    const matrix = toRgbMatrix(params);
    const outC = matrix.shape[1];
    const pixels = tf.reshape(x, [n * h * w, inC]) as tf.Tensor2D;
    // Under a tape, a product whose gradients are plain products: tfjs' transposed ones run in a scalar loop
    // on wasm ([32768, 13] · [64, 13]ᵀ: ~35 ms, most of the head's backward).
    const product = isRecordingGradients() ? plainMatMul(pixels, matrix) : tf.matMul(pixels, matrix);
    let out = tf.add(product, params.bias).reshape([n, h, w, outC]) as tf.Tensor4D;
    if (skip !== undefined) {
      if (upsample === undefined) throw new Error('toRgb: a skip input needs the upsampling kernel');
      const p = upsample.kernelSize - 2;
      const pad0 = Math.floor((p + 1) / 2) + 1;
      const pad1 = Math.floor(p / 2);
      out = tf.add(out, upfirdn2d(skip, upsample.kernel, upsample.kernelSize, { up: 2, pad: [pad0, pad1] }));
    }
    return out;
  });
}
