/**
 * The tile transforms of Winograd F(2×2, 3×3) as WebAssembly SIMD loops on tfjs-backend-wasm's heap
 * (assembled with wasm-assembler.ts); the 16 element-wise products in between are GEMMs
 * (wasm-winograd-conv.ts). NHWC, 4 channels per vector (C % 4 == 0).
 *
 *   input(x, v, n, th, tw, c, rowBytes, blockBytes)
 *     x: the padded input [n, 2·th + 2, 2·tw + 2, c] (rowBytes = (2·tw + 2)·c·4); for every 4×4 input tile
 *     d (tiles 2 apart) writes Bᵀ d B, element e = 4ξ + ν to block e of v: v[e][t, c], t = (img, ty, tx),
 *     blocks blockBytes apart (n·th·tw·c·4).
 *   output(m0 … m15, y, n, th, tw, o)
 *     m_e: the products [T, o]; writes Aᵀ m A (2×2 outputs per tile) to y [n, 2·th, 2·tw, o].
 *
 * Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], Aᵀ = [1 1 1 0; 0 1 −1 −1]: additions only.
 */
import {
  type AsmFunction, add32, assembleModule, bump, f32x4add, forLoop, get, I32, i32c, heapModule, mul32, set, shl32,
  simd, V128, v128loadAt, v128storeAt,
} from './wasm-assembler.js';

const f32x4sub = simd(0xe5);

function inputFunction(): AsmFunction {
  // params 0 x, 1 v, 2 n, 3 th, 4 tw, 5 c, 6 rowBytes, 7 blockBytes
  let next = 8;
  const L = (): number => next++;
  const img = L(), ty = L(), tx = L(), c4 = L(), q = L(), cs = L(), cs2 = L(), cs3 = L();
  const pr = [L(), L(), L(), L()];
  const oe = Array.from({ length: 16 }, L);
  const nI32 = next - 8;
  const d = [L(), L(), L(), L()];
  const t = Array.from({ length: 16 }, L); // t[4r + j]
  const nV = next - 8 - nI32;
  const colOff = [null, cs, cs2, cs3];
  const inner: number[] = [];
  for (let r = 0; r < 4; r++) {
    for (let s = 0; s < 4; s++) {
      const off = colOff[s] ?? null;
      inner.push(...get(pr[r]!), ...(off === null ? [] : [...get(off), ...add32]), ...v128loadAt(0), ...set(d[s]!));
    }
    // Row r of d·B (columns combined): d0 − d2, d1 + d2, d2 − d1, d1 − d3.
    inner.push(...get(d[0]!), ...get(d[2]!), ...f32x4sub, ...set(t[4 * r]!));
    inner.push(...get(d[1]!), ...get(d[2]!), ...f32x4add, ...set(t[4 * r + 1]!));
    inner.push(...get(d[2]!), ...get(d[1]!), ...f32x4sub, ...set(t[4 * r + 2]!));
    inner.push(...get(d[1]!), ...get(d[3]!), ...f32x4sub, ...set(t[4 * r + 3]!));
  }
  for (let j = 0; j < 4; j++) {
    const col = (r: number) => get(t[4 * r + j]!);
    const store = (xi: number, value: number[]) => inner.push(...get(q), ...get(oe[4 * xi + j]!), ...add32, ...value, ...v128storeAt(0));
    store(0, [...col(0), ...col(2), ...f32x4sub]);
    store(1, [...col(1), ...col(2), ...f32x4add]);
    store(2, [...col(2), ...col(1), ...f32x4sub]);
    store(3, [...col(1), ...col(3), ...f32x4sub]);
  }
  inner.push(...bump(q, 16), ...pr.flatMap((p) => bump(p, 16)));
  const tile: number[] = [
    // pr0 = x + ((img·(2th + 2) + 2ty)·rowBytes) + tx·2·cs
    ...get(0), ...get(img), ...get(3), ...i32c(1), ...shl32, ...i32c(2), ...add32, ...mul32, ...get(ty), ...i32c(1), ...shl32, ...add32,
    ...get(6), ...mul32, ...add32, ...get(tx), ...get(cs), ...i32c(1), ...shl32, ...mul32, ...add32, ...set(pr[0]!),
    ...[1, 2, 3].flatMap((r) => [...get(pr[r - 1]!), ...get(6), ...add32, ...set(pr[r]!)]),
    ...forLoop(c4, 5, 4, inner),
  ];
  const body: number[] = [
    ...get(5), ...i32c(2), ...shl32, ...set(cs),
    ...get(cs), ...i32c(1), ...shl32, ...set(cs2),
    ...get(cs2), ...get(cs), ...add32, ...set(cs3),
    ...oe.flatMap((o, e) => [...get(7), ...i32c(e), ...mul32, ...set(o)]),
    ...get(1), ...set(q),
    ...forLoop(img, 2, 1, forLoop(ty, 3, 1, forLoop(tx, 4, 1, tile))),
  ];
  return { name: 'input', params: new Array<number>(8).fill(I32), locals: [[nI32, I32], [nV, V128]], body };
}

function outputFunction(): AsmFunction {
  // params 0..15 m_e, 16 y, 17 n, 18 th, 19 tw, 20 o
  let next = 21;
  const L = (): number => next++;
  const img = L(), ty = L(), tx = L(), o4 = L(), moff = L(), py = L(), os = L(), rb = L(), rbos = L();
  const nI32 = next - 21;
  const m = Array.from({ length: 16 }, L);
  const s = Array.from({ length: 8 }, L); // s[2ξ + j]
  const nV = next - 21 - nI32;
  const inner: number[] = [];
  for (let e = 0; e < 16; e++) inner.push(...get(e), ...get(moff), ...add32, ...v128loadAt(0), ...set(m[e]!));
  for (let xi = 0; xi < 4; xi++) {
    const me = (nu: number) => get(m[4 * xi + nu]!);
    inner.push(...me(0), ...me(1), ...f32x4add, ...me(2), ...f32x4add, ...set(s[2 * xi]!));
    inner.push(...me(1), ...me(2), ...f32x4sub, ...me(3), ...f32x4sub, ...set(s[2 * xi + 1]!));
  }
  const at = [null, os, rb, rbos];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      const sx = (xi: number) => get(s[2 * xi + j]!);
      const value = i === 0 ? [...sx(0), ...sx(1), ...f32x4add, ...sx(2), ...f32x4add] : [...sx(1), ...sx(2), ...f32x4sub, ...sx(3), ...f32x4sub];
      const off = at[2 * i + j] ?? null;
      inner.push(...get(py), ...(off === null ? [] : [...get(off), ...add32]), ...value, ...v128storeAt(0));
    }
  }
  inner.push(...bump(moff, 16), ...bump(py, 16));
  const tile: number[] = [
    // py = y + ((img·2th + 2ty)·rb) + tx·2·os
    ...get(16), ...get(img), ...get(18), ...i32c(1), ...shl32, ...mul32, ...get(ty), ...i32c(1), ...shl32, ...add32, ...get(rb), ...mul32, ...add32,
    ...get(tx), ...get(os), ...i32c(1), ...shl32, ...mul32, ...add32, ...set(py),
    ...forLoop(o4, 20, 4, inner),
  ];
  const body: number[] = [
    ...get(20), ...i32c(2), ...shl32, ...set(os),
    ...get(19), ...i32c(1), ...shl32, ...get(os), ...mul32, ...set(rb),
    ...get(rb), ...get(os), ...add32, ...set(rbos),
    ...i32c(0), ...set(moff),
    ...forLoop(img, 17, 1, forLoop(ty, 18, 1, forLoop(tx, 19, 1, tile))),
  ];
  return { name: 'output', params: new Array<number>(21).fill(I32), locals: [[nI32, I32], [nV, V128]], body };
}

export interface SimdWinograd {
  input(x: number, v: number, n: number, th: number, tw: number, c: number, rowBytes: number, blockBytes: number): void;
  output(...args: number[]): void;
}

const moduleBytes = (shared: boolean) => assembleModule(shared, [inputFunction(), outputFunction()]);
/** The module on `memory` (cached), or null where WebAssembly SIMD is unavailable. */
export const simdWinograd = heapModule<SimdWinograd>(moduleBytes);
