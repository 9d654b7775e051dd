/**
 * The filter gradient of a (non-depthwise) convolution on tfjs-backend-wasm as one GEMM per filter tap,
 * each reading its operand as a shifted view of one buffer on the wasm heap (no im2col copy).
 *
 * dW[i,j,c,o] = Σ_{n,p,q} xpad[n, sh·p+i, sw·q+j, c] · dy[n,p,q,o]. Split the padded input into its
 * sh·sw phases and transpose it channel-major, X[a, b, c, n, p', q'] = xpad[n, sh·p'+a, sw·q'+b, c], on a
 * grid of hq × wq rows and columns per phase; pad dy with zeros to the same grid, D[(n,p',q'), o]. Tap
 * (i, j) = (sh·i'+a, sw·j'+b) reads phase (a, b) shifted by s = i'·wq + j' along the flattened grid, so
 * its gradient is one product [C, L] × [L, O] (L = n·hq·wq) whose left operand is the phase block viewed
 * s floats further on: row c is X[a, b, c] shifted by s. The shifted rows run past their grid cell into
 * the next row (or a zero tail), but exactly where D is zero, so those products add nothing (a
 * non-finite input value would turn them into NaN; the convolution's output is non-finite then anyway).
 *
 * Each product is a plain BatchMatMul (XNNPACK fully-connected, threaded) with D as its right operand:
 * every tap passes the same D tensor, so XNNPACK packs it once per call (tfjs caches the operator by the
 * right operand). A 1×1 Conv2D with D as the filter computes the same but first transposes D into a
 * temporary (~15 ms more for [32768, 64]). The stock formulation (a dilated convolution whose input
 * channels are the batch: 8 channels per tap) ran at about half the forward convolution's rate. Same
 * products, summed in another order: float32 rounding differences only.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelRunner } from './kernel-runner.js';
import { heapView, releaseView, type WasmHeapBackend } from './wasm-heap-view.js';

type TensorInfo = tf.TensorInfo;

/**
 * Filter gradient [kh, kw, Ci, Co] of a Conv2D with input x [N, H, W, Ci] and output gradient
 * dy [N, OH, OW, Co] (dilation 1), by shifted GEMMs. `r` must run on the wasm backend.
 */
export function wasmShiftedFilterGrad(r: KernelRunner, x: TensorInfo, dy: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const backend = r.backend as unknown as WasmHeapBackend;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
  const [n, h, w, ci] = x.shape as [number, number, number, number];
  const co = dy.shape[3] as number;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const hq = oh - 1 + Math.ceil(kh / sh);
  const wq = ow - 1 + Math.ceil(kw / sw);
  const L = n * hq * wq;
  const block = ci * L; // one phase, channel-major
  const taps: Array<{ offset: number }> = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const phase = (i % sh) * sw + (j % sw);
      taps.push({ offset: phase * block + Math.floor(i / sh) * wq + Math.floor(j / sw) });
    }
  }
  // How far the last rows read past the phases: that many zeros must follow them.
  const tail = Math.max(0, ...taps.map((t) => t.offset + block - sh * sw * block));
  const pads: Array<[number, number]> = [
    [pt, sh * hq - pt - h],
    [pl, sw * wq - pl - w],
  ];
  let phases: TensorInfo;
  if (sh === 1 && sw === 1 && pads.every(([a, b]) => a >= 0 && b >= 0)) {
    // Transpose first, then one pad adds the borders and the zero tail (an extra channel row of L zeros).
    const xt = r.transpose(x, [3, 0, 1, 2]); // [Ci, N, H, W]
    phases = r.padOrCrop(xt, [[0, tail > 0 ? 1 : 0], [0, 0], pads[0]!, pads[1]!]);
  } else {
    const xp = r.padOrCrop(x, [[0, 0], pads[0]!, pads[1]!, [0, 0]]); // [N, sh·hq, sw·wq, Ci]
    // [N·hq, sh, wq, sw·Ci] → [sh, sw·Ci, N·hq, wq]: one rank-4 transpose (tfjs-wasm's rank-5 one is a
    // slow generic loop: 140 ms for [8, 66, 66, 64]).
    const split = r.transpose(r.reshape(xp, [n * hq, sh, wq, sw * ci]), [1, 3, 0, 2]);
    phases = tail > 0 ? r.padOrCrop(r.reshape(split, [sh * sw * block]), [[0, tail]]) : split;
  }
  const d = r.reshape(r.padOrCrop(dy, [[0, 0], [0, hq - oh], [0, wq - ow], [0, 0]]), [1, L, co]);
  const views: TensorInfo[] = [];
  const products: TensorInfo[] = [];
  try {
    for (const tap of taps) {
      const view = heapView(backend, phases, tap.offset, [1, ci, L]);
      views.push(view);
      products.push(r.run('BatchMatMul', { a: view, b: d }, { transposeA: false, transposeB: false })); // [1, Ci, Co]
    }
  } finally {
    for (const view of views) releaseView(backend, view);
  }
  const joined = products.length === 1 ? products[0]! : r.run('Concat', products as unknown as Record<string, TensorInfo>, { axis: 0 });
  return r.reshape(joined, [kh, kw, ci, co]);
}
