import * as tf from '@tensorflow/tfjs';

export interface UpFirDnOptions {
  readonly up?: number;
  readonly down?: number;
  /** Padding [before, after], applied to both spatial axes after upsampling. */
  readonly pad: readonly [number, number];
}

/**
 * upfirdn2d (StyleGAN2) on NHWC: zero-insertion upsampling by `up`, padding, FIR filtering with the
 * 2-D kernel (convolution, i.e. correlation with the flipped kernel), then keeping every `down`-th pixel.
 * The same kernel is applied to every channel independently.
 */
export function upfirdn2d(
  x: tf.Tensor4D,
  kernel: Float32Array,
  kernelSize: number,
  options: UpFirDnOptions,
): tf.Tensor4D {
  const up = options.up ?? 1;
  const down = options.down ?? 1;
  const [pad0, pad1] = options.pad;
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    let y: tf.Tensor4D = x;
    if (up > 1) {
      // Each input pixel is followed by up-1 zeros along both axes: one axis at a time, with rank-4 pads
      // only (tfjs-backend-webgl's pad shaders support rank ≤ 4; a single rank-6 pad does not compile there).
      const alongW = tf.pad(tf.reshape(y, [n * h, w, 1, c]), [
        [0, 0],
        [0, 0],
        [0, up - 1],
        [0, 0],
      ]);
      y = tf
        .pad(tf.reshape(alongW, [n, h, 1, w * up * c]), [
          [0, 0],
          [0, 0],
          [0, up - 1],
          [0, 0],
        ])
        .reshape([n, h * up, w * up, c]);
    }
    if (pad0 < 0 || pad1 < 0) {
      const [, hh, ww] = y.shape;
      const crop0 = Math.max(-pad0, 0);
      const crop1 = Math.max(-pad1, 0);
      y = tf.slice(y, [0, crop0, crop0, 0], [n, hh - crop0 - crop1, ww - crop0 - crop1, c]);
    }
    const p0 = Math.max(pad0, 0);
    const p1 = Math.max(pad1, 0);
    const flipped = new Float32Array(kernelSize * kernelSize);
    for (let i = 0; i < kernelSize; i++) {
      for (let j = 0; j < kernelSize; j++) {
        flipped[i * kernelSize + j] = kernel[(kernelSize - 1 - i) * kernelSize + (kernelSize - 1 - j)]!;
      }
    }
    const padding: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [p0, p1],
      [p0, p1],
      [0, 0],
    ];
    const factors = separableFactors(flipped, kernelSize);
    if (factors !== undefined) {
      // Rank-1 kernel (StyleGAN2's outer(k, k)): two 1-D passes, 2k taps instead of k² — and XNNPACK has no
      // fast 4×4 depthwise kernel (a [1,256,256,128] 4×4 blur: ~330 ms on wasm; 4×1 then 1×4: ~45 ms).
      const [u, v] = factors;
      const fu = tf.tile(tf.tensor4d(u, [kernelSize, 1, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
      const fv = tf.tile(tf.tensor4d(v, [1, kernelSize, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
      const rows = tf.depthwiseConv2d(y, fu, [down, 1], [padding[0], padding[1], [0, 0], padding[3]]);
      return tf.depthwiseConv2d(rows, fv, [1, down], [padding[0], [0, 0], padding[2], padding[3]]);
    }
    const filter = tf.tile(tf.tensor4d(flipped, [kernelSize, kernelSize, 1, 1]), [1, 1, c, 1]) as tf.Tensor4D;
    return tf.depthwiseConv2d(y, filter, down, padding);
  });
}

/**
 * u, v with kernel[i, j] = u[i] · v[j] (to float32 rounding), or undefined when the kernel is not rank 1.
 */
export function separableFactors(kernel: Float32Array, size: number): [Float32Array, Float32Array] | undefined {
  let i0 = 0;
  let j0 = 0;
  let best = 0;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const a = Math.abs(kernel[i * size + j]!);
      if (a > best) [best, i0, j0] = [a, i, j];
    }
  }
  if (best === 0) return undefined;
  const pivot = kernel[i0 * size + j0]!;
  const u = new Float32Array(size);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) u[i] = kernel[i * size + j0]!;
  for (let j = 0; j < size; j++) v[j] = kernel[i0 * size + j]! / pivot;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      if (Math.abs(u[i]! * v[j]! - kernel[i * size + j]!) > 1e-6 * best) return undefined;
    }
  }
  return [u, v];
}
