import * as tf from '@tensorflow/tfjs';

/**
 * Stride-2 transposed convolution (padding 0, as torch's `conv_transpose2d(x, w, stride=2)`) without zero
 * insertion: the sub-pixel (phase) decomposition. Output pixel (2m+a, 2l+b) only receives the taps
 * (i, j) of the kernel with i ≡ a, j ≡ b (mod 2), so each of the four output phases is a small stride-1
 * convolution of the UN-upsampled input (for k = 3: kernels 2×2, 2×1, 1×2, 1×1 — 9 taps per input pixel in
 * all, instead of 36 over the zero-inserted grid), and the phases are interleaved with concats and reshapes.
 * Built from differentiable ops only (conv2d, gather, concat, reshape), so training can use it.
 *
 * Semantics: out[h, w, o] = Σ_{p, q, i, j : 2p+i = h, 2q+j = w} x[p, q, c] · weight[i, j, c, o],
 * for h < 2(H-1)+k. The result is returned on the even-sized grid 2L × 2L, L = ceil((2(H-1)+k)/2): the
 * `extra` trailing rows/columns past the true transposed output (k odd: one) are exact zeros.
 */
export interface PhaseKernels {
  /** Phase (a, b) at index 2a + b: the [kh_a, kw_b, in, out] correlation kernel. */
  readonly kernels: readonly [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
}

/** Kernel rows/columns of phase `a` in correlation order: w[a + 2(nt-1-t)], t = 0 … nt-1. */
function phaseTaps(k: number, a: number): number[] {
  const nt = Math.ceil((k - a) / 2);
  return Array.from({ length: nt }, (_, t) => a + 2 * (nt - 1 - t));
}

export function upsampleConvGeometry(h: number, k: number): { length: number; extra: number; half: number } {
  const length = (h - 1) * 2 + k;
  const half = Math.ceil(length / 2);
  return { length, extra: 2 * half - length, half };
}

/** Split an HWIO weight [k, k, in, out] (k ≥ 2) into the four phase kernels (differentiable). */
export function phaseKernels(weight: tf.Tensor4D): PhaseKernels {
  const k = weight.shape[0];
  if (k < 2 || weight.shape[1] !== k) throw new Error(`phaseKernels: square kernels of size ≥ 2 only, got [${weight.shape}]`);
  return tf.tidy(() => {
    const rows = [0, 1].map((a) => tf.gather(weight, phaseTaps(k, a), 0));
    const kernels = [0, 1].flatMap((a) => [0, 1].map((b) => tf.gather(rows[a]!, phaseTaps(k, b), 1) as tf.Tensor4D));
    return { kernels: kernels as unknown as PhaseKernels['kernels'] } as unknown as tf.TensorContainerObject;
  }) as unknown as PhaseKernels;
}

export interface PhaseConvOptions {
  /** Fused bias [out] added to every phase (inference). */
  readonly bias?: tf.Tensor1D;
}

/**
 * The transposed conv from precomputed phase kernels of a k×k kernel: [N, H, W, in] → [N, 2L, 2L, out]
 * (see the module comment). With `bias`, the bias is added everywhere, including the zero margin.
 */
export function upsampleConvFromPhases(x: tf.Tensor4D, phases: PhaseKernels, k: number, options: PhaseConvOptions = {}): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = x.shape;
    const gh = upsampleConvGeometry(h, k);
    const gw = upsampleConvGeometry(w, k);
    const outC = phases.kernels[0].shape[3];
    const phaseOut = (a: number, b: number): tf.Tensor4D => {
      const kernel = phases.kernels[2 * a + b]!;
      const [kh, kw] = kernel.shape;
      // Taps t read x[m - (nt-1) + t]: pad nt-1 before; after: enough for `half` outputs.
      const pad: [[number, number], [number, number], [number, number], [number, number]] = [
        [0, 0],
        [kh - 1, gh.half - h],
        [kw - 1, gw.half - w],
        [0, 0],
      ];
      if (options.bias !== undefined) {
        return tf.fused.conv2d({ x, filter: kernel, strides: 1, pad, bias: options.bias }) as tf.Tensor4D;
      }
      return tf.conv2d(x, kernel, 1, pad);
    };
    // Interleave with rank-4 concats and free reshapes: [p_a0 | p_a1] on channels, viewed as [N, L, 2L', C],
    // puts column phase b at 2l' + b; the two rows side by side, viewed as [N, 2L, 2L', C], put row phase a
    // at 2l + a. (A rank-5 stack + transpose did the same, but its gradient — a rank-5 unstack — is slow on wasm.)
    const row = (a: number) => tf.reshape(tf.concat([phaseOut(a, 0), phaseOut(a, 1)], 3), [n, gh.half, 2 * gw.half, outC]);
    return tf.reshape(tf.concat([row(0), row(1)], 2), [n, 2 * gh.half, 2 * gw.half, outC]) as tf.Tensor4D;
  });
}

/** Differentiable phase-decomposed transposed conv (stride 2, padding 0) with an HWIO weight. */
export function upsampleConv(x: tf.Tensor4D, weight: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => upsampleConvFromPhases(x, phaseKernels(weight), weight.shape[0]));
}
