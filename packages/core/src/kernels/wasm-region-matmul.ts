/**
 * Per-region products for tfjs-backend-wasm, written straight into one output:
 *
 *   SemstyleRegionMatMul    w [R, M, K] · x [R, K, N] → [R, M, N]
 *   SemstyleRegionMatMulNT  a [R, M, L] · b [R, K, L]ᵀ → [R, M, K]   (the weight gradient dy·xᵀ)
 *
 * With WebAssembly SIMD (wasm-simd-gemm.ts) both read their operands in place: XNNPACK's BatchMatMul
 * packs its right operand (the whole [K, 8192] block) on every call, which held [13, 32, 32]·[13, 32, 8192]
 * at ~3.7 GMAC/s (29 ms → 14 ms), and the NT form saves the explicit transpose of x (22 ms → 7 ms, 1 thread).
 * The NN loops add the same products in the same order as XNNPACK's wasm-SIMD kernels (identical values
 * in the tests); NT sums in another order (float32 rounding). Shapes the loops do not take (N % 16, L % 4,
 * K % 2), and `regionMatMulKernelTuning.simd = false`, run the stock BatchMatMul on zero-copy views of each
 * region's blocks instead (same values as unstack · matMul · stack). The SIMD loops are single-threaded.
 * No gradients of their own: they run inside `regionMatMul` / `regionMatMulNT`'s custom gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { markKernel } from './marker.js';
import { floatOffset, heapBuffer, heapMemory, heapView, releaseView, type WasmHeapBackend } from './wasm-heap-view.js';
import { gemmNN, gemmNNScratch, gemmNT, simdGemm, type SimdGemm } from './wasm-simd-gemm.js';

export const REGION_MATMUL = 'SemstyleRegionMatMul';
export const REGION_MATMUL_NT = 'SemstyleRegionMatMulNT';

/** Switch for tests and benchmarks: false runs every product through the stock BatchMatMul on views. */
export const regionMatMulKernelTuning = { simd: true };

function simdFor(heap: WasmHeapBackend): SimdGemm | null {
  if (!regionMatMulKernelTuning.simd) return null;
  const memory = heapMemory(heap);
  return memory === undefined ? null : simdGemm(memory);
}

function check3(kernel: string, a: tf.TensorInfo, b: tf.TensorInfo, inner: (as: number[], bs: number[]) => boolean): void {
  if (a.shape.length !== 3 || b.shape.length !== 3 || a.shape[0] !== b.shape[0] || !inner(a.shape, b.shape) || a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`${kernel}: [${a.shape}] and [${b.shape}] do not form per-region products.`);
  }
}

/** R stock products on views of a's and b's region blocks (b already in [K, N] form), copied into out. */
function stockProducts(backend: tf.KernelBackend, backendName: string, a: tf.TensorInfo, b: tf.TensorInfo, out: tf.TensorInfo): void {
  const matMul = tf.getKernel(tf.BatchMatMul, backendName);
  if (matMul === undefined) throw new Error(`${REGION_MATMUL}: no BatchMatMul kernel on ${backendName}.`);
  const heap = backend as unknown as WasmHeapBackend;
  const [r, m, k] = a.shape as [number, number, number];
  const n = b.shape[2] as number;
  for (let i = 0; i < r; i++) {
    const ai = heapView(heap, a, i * m * k, [1, m, k]);
    const bi = heapView(heap, b, i * k * n, [1, k, n]);
    let product: tf.TensorInfo;
    try {
      product = matMul.kernelFunc({ inputs: { a: ai, b: bi }, backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    } finally {
      releaseView(heap, ai);
      releaseView(heap, bi);
    }
    // Offsets and the heap view only now: the product's allocation may have grown the heap.
    const from = floatOffset(heap, product);
    new Float32Array(heapBuffer(heap)).copyWithin(floatOffset(heap, out) + i * m * n, from, from + m * n);
    heap.disposeData(product.dataId);
  }
}

export function makeWasmRegionMatMulConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: REGION_MATMUL,
    backendName,
    kernelFunc: markKernel(({ inputs, backend }) => {
      const { w, x } = inputs as { w: tf.TensorInfo; x: tf.TensorInfo };
      check3(REGION_MATMUL, w, x, (ws, xs) => ws[2] === xs[1]);
      const [r, m, k] = w.shape as [number, number, number];
      const n = x.shape[2] as number;
      const heap = backend as unknown as WasmHeapBackend;
      const out = heap.makeOutput([r, m, n], 'float32');
      const simd = n % 16 === 0 ? simdFor(heap) : null;
      if (simd === null) {
        stockProducts(backend as tf.KernelBackend, backendName, w, x, out);
        return out;
      }
      const scratch = heap.makeOutput([gemmNNScratch(m, k)], 'float32');
      // Offsets and the heap view after every allocation (which may grow the heap).
      const floats = new Float32Array(heapBuffer(heap));
      const [wo, xo, oo, so] = [w, x, out, scratch].map((t) => 4 * floatOffset(heap, t)) as [number, number, number, number];
      for (let i = 0; i < r; i++) gemmNN(simd, floats, wo + 4 * i * m * k, xo + 4 * i * k * n, oo + 4 * i * m * n, m, k, n, so);
      heap.disposeData(scratch.dataId);
      return out;
    }),
  };
}

/** Whether SemstyleRegionMatMulNT takes a [R, M, L] · [R, K, L]ᵀ product (its SIMD loops' constraints). */
export function regionMatMulNTFits(k: number, l: number): boolean {
  return regionMatMulKernelTuning.simd && l % 4 === 0 && k % 2 === 0;
}

export function makeWasmRegionMatMulNTConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: REGION_MATMUL_NT,
    backendName,
    kernelFunc: markKernel(({ inputs, backend }) => {
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      check3(REGION_MATMUL_NT, a, b, (as, bs) => as[2] === bs[2]);
      const [r, m, l] = a.shape as [number, number, number];
      const k = b.shape[1] as number;
      const heap = backend as unknown as WasmHeapBackend;
      const simd = regionMatMulNTFits(k, l) ? simdFor(heap) : null;
      if (simd === null) throw new Error(`${REGION_MATMUL_NT}: needs WebAssembly SIMD, L % 4 == 0 and K % 2 == 0 (got [${a.shape}] · [${b.shape}]ᵀ).`);
      const out = heap.makeOutput([r, m, k], 'float32');
      const [ao, bo, oo] = [a, b, out].map((t) => 4 * floatOffset(heap, t)) as [number, number, number];
      for (let i = 0; i < r; i++) gemmNT(simd, ao + 4 * i * m * l, bo + 4 * i * k * l, oo + 4 * i * m * k, m, k, l);
      return out;
    }),
  };
}
