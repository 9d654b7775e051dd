/**
 * `SemstyleRegionMatMul` (w [R, M, K], x [R, K, N] → [R, M, N]) for tfjs-backend-wasm: R plain 2-D products,
 * each run by the backend's own BatchMatMul kernel (XNNPACK) on zero-copy views of the region's blocks,
 * written straight into one output.
 *
 * The op-level form (unstack both operands, R matMuls, stack) copied every operand and the result once more
 * ([13, 32, 8192]: ~3.4 M floats each way) and cost ~2R + 3 kernel calls. The products are the same calls
 * on the same data, so the values are identical. No gradient of its own: it runs inside `regionMatMul`'s
 * custom gradient, whose gradients are again `regionMatMul`s.
 */
import * as tf from '@tensorflow/tfjs';
import { markKernel } from './marker.js';
import { floatOffset, heapBuffer, heapView, releaseView, type WasmHeapBackend } from './wasm-heap-view.js';

export const REGION_MATMUL = 'SemstyleRegionMatMul';

export function makeWasmRegionMatMulConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: REGION_MATMUL,
    backendName,
    kernelFunc: markKernel(({ inputs, backend }) => {
      const { w, x } = inputs as { w: tf.TensorInfo; x: tf.TensorInfo };
      const [r, m, k] = w.shape as [number, number, number];
      const [rx, kx, n] = x.shape as [number, number, number];
      if (rx !== r || kx !== k || w.dtype !== 'float32' || x.dtype !== 'float32') {
        throw new Error(`${REGION_MATMUL}: w [${w.shape}] and x [${x.shape}] do not form per-region products.`);
      }
      const matMul = tf.getKernel(tf.BatchMatMul, backendName);
      if (matMul === undefined) throw new Error(`${REGION_MATMUL}: no BatchMatMul kernel on ${backendName}.`);
      const heap = backend as unknown as WasmHeapBackend;
      const out = heap.makeOutput([r, m, n], 'float32');
      for (let i = 0; i < r; i++) {
        const wi = heapView(heap, w, i * m * k, [1, m, k]);
        const xi = heapView(heap, x, i * k * n, [1, k, n]);
        let product: tf.TensorInfo;
        try {
          product = matMul.kernelFunc({ inputs: { a: wi, b: xi }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
        } finally {
          releaseView(heap, wi);
          releaseView(heap, xi);
        }
        // Offsets and the heap view only now: the product's allocation may have grown the heap.
        const from = floatOffset(heap, product);
        new Float32Array(heapBuffer(heap)).copyWithin(floatOffset(heap, out) + i * m * n, from, from + m * n);
        heap.disposeData(product.dataId);
      }
      return out;
    }),
  };
}
