import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import { assertRank, assertSameShape } from '../core/validate.js';

export interface SsimOptions {
  /**
   * [min, max] of the images' value range: [−1, 1] (default) for semstyle images, [0, 255] for bytes.
   * SSIM's luminance term is not shift-invariant, so images are first mapped to [0, 1] (the same
   * figure as computing on 0..255 with L = 255, as Wang et al. and ssim.js do).
   */
  readonly valueRange?: readonly [number, number];
  /** Gaussian window side (11) and σ (1.5), as Wang et al. 2004. */
  readonly windowSize?: number;
  readonly sigma?: number;
  readonly k1?: number;
  readonly k2?: number;
}

/** Normalised 2-D Gaussian window [size, size] as a depthwise filter [size, size, C, 1]. */
export function gaussianWindow(size: number, sigma: number, channels: number): tf.Tensor4D {
  const g = new Float32Array(size);
  const c = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    g[i] = Math.exp(-((i - c) ** 2) / (2 * sigma * sigma));
    sum += g[i] as number;
  }
  for (let i = 0; i < size; i++) g[i] = (g[i] as number) / sum;
  const w = new Float32Array(size * size * channels);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let ch = 0; ch < channels; ch++) w[(y * size + x) * channels + ch] = (g[y] as number) * (g[x] as number);
    }
  }
  return tf.tensor4d(w, [size, size, channels, 1]);
}

/**
 * SSIM and contrast-structure (cs) per image and channel, averaged over the 'valid' window positions
 * (like Wang et al.'s MATLAB `ssim_index` and ssim.js 'original'), then over channels: two [N] tensors.
 * Images NHWC with H, W ≥ window size. Inputs are not disposed; the caller owns the outputs.
 */
export function ssimAndCs(a: tf.Tensor4D, b: tf.Tensor4D, options: SsimOptions = {}): [tf.Tensor1D, tf.Tensor1D] {
  assertRank(a, 4, 'a');
  assertRank(b, 4, 'b');
  assertSameShape(a, b, 'a', 'b');
  const size = options.windowSize ?? 11;
  const sigma = options.sigma ?? 1.5;
  const [lo, hi] = options.valueRange ?? [-1, 1];
  if (!(hi > lo)) throw new InputError('E_INVALID_ARGUMENT', `valueRange must be [min, max] with max > min, got [${lo}, ${hi}].`);
  const c1 = (options.k1 ?? 0.01) ** 2;
  const c2 = (options.k2 ?? 0.03) ** 2;
  const [, h, w, channels] = a.shape;
  if (h < size || w < size) {
    throw new InputError('E_SHAPE', `SSIM needs images at least ${size}×${size}, got ${h}×${w}.`, {
      details: { shape: a.shape, windowSize: size },
    });
  }
  return tf.tidy(() => {
    const win = gaussianWindow(size, sigma, channels);
    const filt = (x: tf.Tensor4D) => tf.depthwiseConv2d(x, win, 1, 'valid');
    const x = a.toFloat().sub(lo).div(hi - lo) as tf.Tensor4D;
    const y = b.toFloat().sub(lo).div(hi - lo) as tf.Tensor4D;
    const muX = filt(x);
    const muY = filt(y);
    const muX2 = muX.square();
    const muY2 = muY.square();
    const muXY = muX.mul(muY);
    const sX = filt(x.square()).sub(muX2);
    const sY = filt(y.square()).sub(muY2);
    const sXY = filt(x.mul(y)).sub(muXY);
    const cs = sXY.mul(2).add(c2).div(sX.add(sY).add(c2));
    const ssim = muXY.mul(2).add(c1).div(muX2.add(muY2).add(c1)).mul(cs);
    return [ssim.mean([1, 2, 3]) as tf.Tensor1D, cs.mean([1, 2, 3]) as tf.Tensor1D];
  });
}

/** Per-image SSIM [N] (see `ssimAndCs`). */
export function ssimPerImage(a: tf.Tensor4D, b: tf.Tensor4D, options: SsimOptions = {}): tf.Tensor1D {
  const [ssim, cs] = ssimAndCs(a, b, options);
  cs.dispose();
  return ssim;
}

/** Wang, Simoncelli & Bovik 2003, "Multi-scale structural similarity", Table/eq. weights for 5 scales. */
export const MS_SSIM_WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333] as const;

export interface MsSsimOptions extends SsimOptions {
  /** Per-scale exponents; their count is the number of scales (default: Wang et al. 2003's 5). */
  readonly weights?: readonly number[];
}

/**
 * Per-image MS-SSIM [N]: Π_{j<M} cs_j^{w_j} · ssim_M^{w_M}, halving the resolution (2×2 average pool, odd sizes rounded up)
 * between scales. Negative cs/ssim values are clamped to 0 before the power (as pytorch_msssim), so
 * the result is real. Needs H, W ≥ (window − 1)·2^(M−1) + 1 (161 for 5 scales and an 11 window).
 */
export function msSsimPerImage(a: tf.Tensor4D, b: tf.Tensor4D, options: MsSsimOptions = {}): tf.Tensor1D {
  assertRank(a, 4, 'a');
  assertRank(b, 4, 'b');
  assertSameShape(a, b, 'a', 'b');
  const weights = options.weights ?? MS_SSIM_WEIGHTS;
  const size = options.windowSize ?? 11;
  const needed = (size - 1) * 2 ** (weights.length - 1) + 1;
  const [, h, w] = a.shape;
  if (h < needed || w < needed) {
    throw new InputError(
      'E_SHAPE',
      `MS-SSIM with ${weights.length} scales and an ${size}×${size} window needs images at least ${needed}×${needed}, got ${h}×${w} (pass fewer \`weights\` for small images).`,
      { details: { shape: a.shape, needed, scales: weights.length } },
    );
  }
  return tf.tidy(() => {
    let x = a.toFloat() as tf.Tensor4D;
    let y = b.toFloat() as tf.Tensor4D;
    let result: tf.Tensor1D = tf.ones([a.shape[0]]);
    weights.forEach((wj, j) => {
      const [ssim, cs] = ssimAndCs(x, y, options);
      const last = j === weights.length - 1;
      result = result.mul(tf.relu(last ? ssim : cs).pow(wj));
      if (!last) {
        x = tf.avgPool(x, 2, 2, 'same');
        y = tf.avgPool(y, 2, 2, 'same');
      }
    });
    return result;
  });
}
