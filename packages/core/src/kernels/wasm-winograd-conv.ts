/**
 * A stride-1 3×3 convolution (NHWC, C and O multiples of 4) by Winograd F(2×2, 3×3) on tfjs-backend-wasm:
 * 16 multiplies per 2×2 output tile and channel pair instead of 36 (2.25× fewer).
 *
 * U = G g Gᵀ per (c, o) (host loop over the small filter), V = Bᵀ d B per 4×4 input tile and channel (a
 * SIMD pass, wasm-simd-winograd.ts), then for each of the 16 tile elements one product V_e [T, C] · U_e
 * [C, O] (the backend's BatchMatMul, XNNPACK, on zero-copy views), then Y = Aᵀ M A (another SIMD pass).
 * Tiles cover ⌈OH/2⌉ × ⌈OW/2⌉; the input is padded (or cropped) to exactly the 2·⌈OH/2⌉ + 2 rows they read
 * and the output cropped back. Float32 rounding differs from the direct convolution's (the transforms add
 * and subtract inputs before multiplying): the test bounds it at 1e-5 of the output's scale.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelRunner } from './kernel-runner.js';
import { floatOffset, heapView, releaseView, type WasmHeapBackend } from './wasm-heap-view.js';
import type { SimdWinograd } from './wasm-simd-winograd.js';

type TensorInfo = tf.TensorInfo;

/** U[e = 4ξ + ν][c, o] = (G g Gᵀ)[ξ, ν] for the filter [3, 3, C, O]. */
export function winogradFilter(filter: Float32Array, c: number, o: number): Float32Array {
  const co = c * o;
  const u = new Float32Array(16 * co);
  const g = new Float64Array(9);
  const gg = new Float64Array(12); // G g: [4, 3]
  for (let p = 0; p < co; p++) {
    for (let k = 0; k < 9; k++) g[k] = filter[k * co + p]!;
    for (let j = 0; j < 3; j++) {
      const [g0, g1, g2] = [g[j]!, g[3 + j]!, g[6 + j]!];
      gg[j] = g0;
      gg[3 + j] = 0.5 * (g0 + g1 + g2);
      gg[6 + j] = 0.5 * (g0 - g1 + g2);
      gg[9 + j] = g2;
    }
    for (let xi = 0; xi < 4; xi++) {
      const [a0, a1, a2] = [gg[3 * xi]!, gg[3 * xi + 1]!, gg[3 * xi + 2]!];
      const e = 4 * xi;
      u[e * co + p] = a0;
      u[(e + 1) * co + p] = 0.5 * (a0 + a1 + a2);
      u[(e + 2) * co + p] = 0.5 * (a0 - a1 + a2);
      u[(e + 3) * co + p] = a2;
    }
  }
  return u;
}

/** The convolution of x [N, H, W, C] with filter [3, 3, C, O] described by `info` (stride 1, dilation 1). */
export function winogradConv2D(r: KernelRunner, simd: SimdWinograd, x: TensorInfo, filter: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const heap = r.backend as unknown as WasmHeapBackend;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const o = filter.shape[3] as number;
  const { outHeight: oh, outWidth: ow } = info;
  const th = Math.ceil(oh / 2);
  const tw = Math.ceil(ow / 2);
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const xp = r.padOrCrop(x, [[0, 0], [pt, 2 * th + 2 - pt - h], [pl, 2 * tw + 2 - pl - w], [0, 0]]);
  const u = r.constant(winogradFilter(r.read(filter), c, o), [16, c, o]);
  const t = n * th * tw;
  const v = r.adopt(heap.makeOutput([16, t, c], 'float32'));
  simd.input(4 * floatOffset(heap, xp), 4 * floatOffset(heap, v), n, th, tw, c, (2 * tw + 2) * c * 4, t * c * 4);
  const products: TensorInfo[] = [];
  for (let e = 0; e < 16; e++) {
    const ve = heapView(heap, v, e * t * c, [1, t, c]);
    const ue = heapView(heap, u, e * c * o, [1, c, o]);
    try {
      products.push(r.run('BatchMatMul', { a: ve, b: ue }, { transposeA: false, transposeB: false }));
    } finally {
      releaseView(heap, ve);
      releaseView(heap, ue);
    }
  }
  const y = r.adopt(heap.makeOutput([n, 2 * th, 2 * tw, o], 'float32'));
  simd.output(...products.map((m) => 4 * floatOffset(heap, m)), 4 * floatOffset(heap, y), n, th, tw, o);
  return 2 * th === oh && 2 * tw === ow ? y : r.padOrCrop(y, [[0, 0], [0, oh - 2 * th], [0, ow - 2 * tw], [0, 0]]);
}
