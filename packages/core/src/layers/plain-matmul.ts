import * as tf from '@tensorflow/tfjs';
import { REGION_MATMUL, REGION_MATMUL_NT, regionMatMulNTFits } from '../kernels/wasm-region-matmul.js';

/**
 * Matrix products for the training path whose gradients are again plain products.
 *
 * tfjs' own MatMul gradient multiplies with a transpose flag (dA = dy·bᵀ as `matMul(dy, b, false, true)`,
 * dB = `matMul(a, dy, true, false)`), and tfjs-wasm runs any flagged or batched product in a scalar
 * loop instead of XNNPACK (a [16, 8192]ᵀ·[8192, 16] product: ~2 ms, 20× an XNNPACK product of the same size).
 * These ops transpose the operands explicitly (a cheap Transpose pass) so that every product, forward and
 * backward, is an unflagged 2-D XNNPACK matmul. Their gradients are built from the same ops, so second-order
 * gradients (R1, path length) take the fast kernels too. Forward values are exactly `tf.matMul`'s.
 */

/** a·b for 2-D a [M, K], b [K, N]; dA = dy·bᵀ, dB = aᵀ·dy, both as plain products. */
export function plainMatMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc, y: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    (save as tf.GradSaveFunc)([x as tf.Tensor, y as tf.Tensor]);
    return {
      value: tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [plainMatMul(dy as tf.Tensor2D, tf.transpose(sb)), plainMatMul(tf.transpose(sa), dy as tf.Tensor2D)];
      },
    };
  });
  return op(a, b) as tf.Tensor2D;
}

/**
 * Per-region products: w [R, M, K] · x [R, K, N] → [R, M, N], as R plain 2-D products (tfjs-wasm's
 * BatchMatMul with a batch dimension is a scalar loop). dW = dy·xᵀ (`regionMatMulNT`, no transpose of the
 * large x on wasm), dX = wᵀ·dy with an explicit transpose of the small w.
 */
export function regionMatMul(w: tf.Tensor3D, x: tf.Tensor3D): tf.Tensor3D {
  const op = tf.customGrad((a: tf.Tensor | tf.GradSaveFunc, b: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const wa = a as tf.Tensor3D;
    const xb = b as tf.Tensor3D;
    (save as tf.GradSaveFunc)([wa, xb]);
    return {
      value: regionProducts(wa, xb),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sw, sx] = saved as [tf.Tensor3D, tf.Tensor3D];
        const g = dy as tf.Tensor3D;
        return [regionMatMulNT(g, sx), regionMatMul(tf.transpose(sw, [0, 2, 1]), g)];
      },
    };
  });
  return op(w, x) as tf.Tensor3D;
}

/**
 * Per-region a [R, M, L] · b [R, K, L]ᵀ → [R, M, K]. On wasm (SIMD, L % 4 == 0, K % 2 == 0) one kernel
 * contracts the rows in place; elsewhere it is `regionMatMul(a, bᵀ)`. dA = dy·b, dB = dyᵀ·a (dy is small).
 */
export function regionMatMulNT(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const op = tf.customGrad((p: tf.Tensor | tf.GradSaveFunc, q: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const pa = p as tf.Tensor3D;
    const qb = q as tf.Tensor3D;
    (save as tf.GradSaveFunc)([pa, qb]);
    const kernel = regionMatMulTuning.wasmKernel && tf.getBackend() === 'wasm' && pa.dtype === 'float32' && qb.dtype === 'float32' &&
      regionMatMulNTFits(qb.shape[1], qb.shape[2]) && tf.getKernel(REGION_MATMUL_NT, 'wasm') !== undefined;
    return {
      value: kernel ? (tf.engine().runKernel(REGION_MATMUL_NT, { a: pa, b: qb }) as tf.Tensor3D) : regionProducts(pa, tf.transpose(qb, [0, 2, 1])),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as [tf.Tensor3D, tf.Tensor3D];
        const g = dy as tf.Tensor3D;
        return [regionMatMul(g, sb), regionMatMul(tf.transpose(g, [0, 2, 1]), sa)];
      },
    };
  });
  return op(a, b) as tf.Tensor3D;
}

/** Switch for tests and benchmarks: false makes wasm unstack, multiply and stack as other backends do. */
export const regionMatMulTuning = { wasmKernel: true };

/** The forward of `regionMatMul` (no gradient of its own: runs inside the custom op). */
function regionProducts(w: tf.Tensor3D, x: tf.Tensor3D): tf.Tensor3D {
  // On wasm one kernel multiplies on views of the operands (no unstack/stack copies; same products).
  if (regionMatMulTuning.wasmKernel && tf.getBackend() === 'wasm' && w.dtype === 'float32' && x.dtype === 'float32' && tf.getKernel(REGION_MATMUL, 'wasm') !== undefined) {
    return tf.engine().runKernel(REGION_MATMUL, { w, x }) as tf.Tensor3D;
  }
  const [r, m] = w.shape;
  const n = x.shape[2];
  if (r === 1) return tf.reshape(tf.matMul(tf.reshape(w, w.shape.slice(1) as [number, number]), tf.reshape(x, x.shape.slice(1) as [number, number])), [1, m, n]);
  const ws = tf.unstack(w) as tf.Tensor2D[];
  const xs = tf.unstack(x) as tf.Tensor2D[];
  return tf.stack(ws.map((wk, k) => tf.matMul(wk, xs[k]!))) as tf.Tensor3D;
}
