/**
 * A tiny WebAssembly SIMD module (assembled here, byte by byte) that runs the fused bias + leaky ReLU and its
 * gradient directly on tfjs-backend-wasm's heap: it imports the backend's own memory, so kernels pass it
 * the tensors' heap offsets. Plain JavaScript loops were 2–4× slower than tfjs' op chain (a data-dependent
 * branch per element); XNNPACK has no such fused operator, and tfjs-wasm's Prelu and Step are scalar loops.
 *
 * Exports (pointers are byte offsets, counts are in floats; every loop works on 4 floats at a time):
 *   rows(x, bias, y, outer, block, inner, slope, gain)  bias[c] for every run of `inner` (inner % 4 == 0)
 *   cols(x, bias, y, outer, block, slope, gain)         bias[c..c+3] along the last axis (block % 4 == 0)
 *   grad(dy, v, out, count, slope, gain)                count % 4 == 0
 * computing v = x + bias; y = (v < 0 ? v·slope : v)·gain and out = (dy·gain)·(v > 0 ? 1 : slope) with
 * float32 lanes: the same roundings as the scalar formulas. No bias: pass a bias of −0 (x + −0 = x exactly).
 */

import {
  type AsmFunction, add32, assembleModule, bitselect, bump, F32, f32load, f32x4add, f32x4gt, f32x4lt, f32x4mul, f32x4splat, forLoop,
  get, i32c, I32, heapModule, set, shl32, V128, v128load, v128store, v128zero,
} from './wasm-assembler.js';

/** The leaky ReLU of one vector: v (local) is read, the result stored at y; x and y advance by 16 bytes. */
function leakyBody(x: number, y: number, bv: number, av: number, gv: number, v: number): number[] {
  return [
    ...get(y),
    // v = x + bias
    ...get(x),
    ...v128load,
    ...get(bv),
    ...f32x4add,
    ...set(v),
    // select(v·slope, v, v < 0) · gain
    ...get(v),
    ...get(av),
    ...f32x4mul,
    ...get(v),
    ...get(v),
    ...v128zero,
    ...f32x4lt,
    ...bitselect,
    ...get(gv),
    ...f32x4mul,
    ...v128store,
    ...bump(x, 16),
    ...bump(y, 16),
  ];
}

function rowsFunction(): Pick<AsmFunction, 'locals' | 'body'> {
  // params: 0 x, 1 bias, 2 y, 3 outer, 4 block, 5 inner, 6 slope, 7 gain; locals: 8 o, 9 c, 10 e, 11 av, 12 gv, 13 bv, 14 v
  const body = [
    ...get(6), ...f32x4splat, ...set(11),
    ...get(7), ...f32x4splat, ...set(12),
    ...forLoop(8, 3, 1, forLoop(9, 4, 1, [
      ...get(1), ...get(9), ...i32c(2), ...shl32, ...add32, ...f32load, ...f32x4splat, ...set(13),
      ...forLoop(10, 5, 4, leakyBody(0, 2, 13, 11, 12, 14)),
    ])),
  ];
  return { locals: [[3, I32], [3, V128], [1, V128]], body };
}

function colsFunction(): Pick<AsmFunction, 'locals' | 'body'> {
  // params: 0 x, 1 bias, 2 y, 3 outer, 4 block, 5 slope, 6 gain; locals: 7 o, 8 c, 9 av, 10 gv, 11 bv, 12 v
  const body = [
    ...get(5), ...f32x4splat, ...set(9),
    ...get(6), ...f32x4splat, ...set(10),
    ...forLoop(7, 3, 1, forLoop(8, 4, 4, [
      ...get(1), ...get(8), ...i32c(2), ...shl32, ...add32, ...v128load, ...set(11),
      ...leakyBody(0, 2, 11, 9, 10, 12),
    ])),
  ];
  return { locals: [[2, I32], [4, V128]], body };
}

function gradFunction(): Pick<AsmFunction, 'locals' | 'body'> {
  // params: 0 dy, 1 v, 2 out, 3 count, 4 slope, 5 gain; locals: 6 i, 7 av, 8 gv, 9 one
  const body = [
    ...get(4), ...f32x4splat, ...set(7),
    ...get(5), ...f32x4splat, ...set(8),
    0x43, 0x00, 0x00, 0x80, 0x3f, ...f32x4splat, ...set(9), // f32.const 1
    ...forLoop(6, 3, 4, [
      ...get(2),
      ...get(0), ...v128load, ...get(8), ...f32x4mul, // dy·gain
      ...get(9), ...get(7), ...get(1), ...v128load, ...v128zero, ...f32x4gt, ...bitselect, // v > 0 ? 1 : slope
      ...f32x4mul,
      ...v128store,
      ...bump(0, 16), ...bump(1, 16), ...bump(2, 16),
    ]),
  ];
  return { locals: [[1, I32], [3, V128]], body };
}

function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const params = (n: number, floats: number) => [...new Array<number>(n).fill(I32), ...new Array<number>(floats).fill(F32)];
  const fn = (fname: string, p: number[], code: Pick<AsmFunction, 'locals' | 'body'>): AsmFunction => ({ name: fname, params: p, ...code });
  return assembleModule(shared, [
    fn('rows', params(6, 2), rowsFunction()),
    fn('cols', params(5, 2), colsFunction()),
    fn('grad', params(4, 2), gradFunction()),
  ]);
}

export interface SimdLeakyRelu {
  rows(x: number, bias: number, y: number, outer: number, block: number, inner: number, slope: number, gain: number): void;
  cols(x: number, bias: number, y: number, outer: number, block: number, slope: number, gain: number): void;
  grad(dy: number, v: number, out: number, count: number, slope: number, gain: number): void;
}

/**
 * The module instantiated on `memory` (cached per memory), or null where WebAssembly SIMD (or a shared
 * memory import) is not available: callers then fall back to the op chain.
 */
export const simdLeakyRelu = heapModule<SimdLeakyRelu>(moduleBytes);
