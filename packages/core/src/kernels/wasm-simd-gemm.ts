/**
 * WebAssembly SIMD matrix products for small contraction / output sizes on tfjs-backend-wasm's heap
 * (assembled with wasm-assembler.ts), for the local generators' per-region products.
 *
 * XNNPACK (tfjs' BatchMatMul) treats the right operand as the weights of a fully connected layer and packs
 * it on every call: for [32, 32]·[32, 8192] that is the whole 8192-column operand, repacked per region and
 * product, which held the products at ~3.7 GMAC/s. These loops read both operands in place:
 *
 *   nn{4,1}(aᵀ, b, c, M, K, N, scratch)  c[M, N] = a[M, K] · b[K, N]   rows of c in tiles of 4 (or 1) × 8
 *                                        columns; N % 16 == 0, M a multiple of the tile; scratch: 256·K floats
 *   nt{4,1}(a, b, c, M, K, L)  c[M, K] = a[M, L] · b[K, L]ᵀ   tiles of 4 (or 1) × 2 outputs, 4 lanes along L;
 *                                                              L % 4 == 0, K % 2 == 0
 *
 * Pointers are byte offsets; counts are floats. nn sums over k in order with a separate multiply and add
 * (as XNNPACK's wasm-SIMD kernels do: no FMA in wasm SIMD); nt sums four interleaved partial sums along L
 * and then adds the lanes: float32 rounding differences only.
 */
import {
  type AsmFunction, add32, assembleModule, bump, f32add, f32store, f32x4add, f32x4extract, f32x4mul, forLoop, get,
  I32, i32c, heapModule, load32splatAt, mul32, set, shl32, tee, V128, v128loadAt, v128storeAt, v128zero,
} from './wasm-assembler.js';

const P6 = [I32, I32, I32, I32, I32, I32];

/** Columns of b packed per chunk (K × 1 KiB of scratch: stays in L1/L2 while every row tile reads it). */
const NN_CHUNK = 256;

/**
 * c = a·b with row tiles of `tm` rows and 8 columns. b's rows are 4N bytes apart (32 KiB for N = 8192): a
 * column strip's K rows fall into the same few cache sets and evict each other, and strided reads defeat
 * the prefetcher. So each chunk of 256 columns is first copied, row by row (sequential reads), into
 * `scratch` as 16-column strips (K × 64 bytes each), which every row tile then reads.
 */
function nnFunction(tm: number): AsmFunction {
  // params 0 aᵀ ([K, M]: a tile's row values for one k are adjacent), 1 b, 2 c, 3 M, 4 K, 5 N, 6 scratch
  let next = 7;
  const i32 = () => next++;
  const [m, n, k, j, half, pa, pb, pc, as, ns, sk, cw, src, dst, c64] = [i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  const nI32 = next - 7;
  const [b0, b1, sv] = [next++, next++, next++];
  const acc = (i: number) => next + i;
  const rowC = (i: number) => (i === 0 ? get(pc) : [...get(pc), ...get(ns), ...i32c(i), ...mul32, ...add32]);
  const inner: number[] = [...get(pb), ...v128loadAt(0), ...set(b0), ...get(pb), ...v128loadAt(16), ...set(b1)];
  for (let i = 0; i < tm; i++) {
    inner.push(...get(pa), ...load32splatAt(4 * i), ...set(sv));
    inner.push(...get(acc(2 * i)), ...get(sv), ...get(b0), ...f32x4mul, ...f32x4add, ...set(acc(2 * i)));
    inner.push(...get(acc(2 * i + 1)), ...get(sv), ...get(b1), ...f32x4mul, ...f32x4add, ...set(acc(2 * i + 1)));
  }
  inner.push(...get(pa), ...get(as), ...add32, ...set(pa), ...bump(pb, 64));
  const tile: number[] = [];
  for (let i = 0; i < 2 * tm; i++) tile.push(...v128zero, ...set(acc(i)));
  // pa = aᵀ + 4m; pb = scratch + j·sk/16 + half (strip j/16 of the chunk)
  tile.push(...get(0), ...get(m), ...i32c(2), ...shl32, ...add32, ...set(pa));
  tile.push(...get(6), ...get(j), ...get(4), ...mul32, ...i32c(2), ...shl32, ...add32, ...get(half), ...add32, ...set(pb));
  tile.push(...forLoop(k, 4, 1, inner));
  // pc = c + m·ns + 4(n + j) + half
  tile.push(...get(2), ...get(m), ...get(ns), ...mul32, ...add32, ...get(n), ...get(j), ...add32, ...i32c(2), ...shl32, ...add32, ...get(half), ...add32, ...set(pc));
  for (let i = 0; i < tm; i++) {
    tile.push(...rowC(i), ...get(acc(2 * i)), ...v128storeAt(0));
    tile.push(...rowC(i), ...get(acc(2 * i + 1)), ...v128storeAt(16));
  }
  // Pack b[:, n..n+cw) into scratch: row k's 16-column pieces go to strips j/16 at row k.
  const pack: number[] = [
    ...forLoop(k, 4, 1, [
      ...get(1), ...get(k), ...get(ns), ...mul32, ...add32, ...get(n), ...i32c(2), ...shl32, ...add32, ...set(src),
      ...get(6), ...get(k), ...i32c(6), ...shl32, ...add32, ...set(dst),
      ...forLoop(j, cw, 16, [
        ...[0, 16, 32, 48].flatMap((o) => [...get(dst), ...get(src), ...v128loadAt(o), ...v128storeAt(o)]),
        ...bump(src, 64), ...get(dst), ...get(sk), ...add32, ...set(dst),
      ]),
    ]),
  ];
  const body = [
    ...get(3), ...i32c(2), ...shl32, ...set(as),
    ...get(5), ...i32c(2), ...shl32, ...set(ns),
    ...get(4), ...i32c(6), ...shl32, ...set(sk), // one strip: K × 64 bytes
    ...i32c(64), ...set(c64),
    ...forLoop(n, 5, NN_CHUNK, [
      // cw = min(256, N − n)
      ...get(5), ...get(n), 0x6b, ...i32c(NN_CHUNK), ...get(5), ...get(n), 0x6b, ...i32c(NN_CHUNK), 0x48, 0x1b, ...set(cw),
      ...pack,
      ...forLoop(j, cw, 16, forLoop(m, 3, tm, forLoop(half, c64, 32, tile))),
    ]),
  ];
  return { name: `nn${tm}`, params: [...P6, I32], locals: [[nI32, I32], [3 + 2 * tm, V128]], body };
}

/** c = a·bᵀ with tiles of `tm` rows × 2 columns, 4 lanes along the contraction. */
function ntFunction(tm: number): AsmFunction {
  // params 0 a, 1 b, 2 c, 3 M, 4 K, 5 L; i32 locals 6 m, 7 kk, 8 l, 9 pa, 10 pb, 11 rs (4L), 12 pc
  // v128 locals 13 b0, 14 b1, 15 va, 16.. accumulators (2 per row)
  const acc = (i: number) => 16 + i;
  const rowA = (i: number) => (i === 0 ? get(9) : [...get(9), ...get(11), ...i32c(i), ...mul32, ...add32]);
  const inner: number[] = [
    ...get(10), ...v128loadAt(0), ...set(13),
    ...get(10), ...get(11), ...add32, ...v128loadAt(0), ...set(14),
  ];
  for (let i = 0; i < tm; i++) {
    inner.push(...rowA(i), ...v128loadAt(0), ...set(15));
    inner.push(...get(acc(2 * i)), ...get(15), ...get(13), ...f32x4mul, ...f32x4add, ...set(acc(2 * i)));
    inner.push(...get(acc(2 * i + 1)), ...get(15), ...get(14), ...f32x4mul, ...f32x4add, ...set(acc(2 * i + 1)));
  }
  inner.push(...bump(9, 16), ...bump(10, 16));
  const hsum = (v: number) => [
    ...get(v), ...f32x4extract(0), ...get(v), ...f32x4extract(1), ...f32add,
    ...get(v), ...f32x4extract(2), ...f32add, ...get(v), ...f32x4extract(3), ...f32add,
  ];
  const tile: number[] = [];
  for (let i = 0; i < 2 * tm; i++) tile.push(...v128zero, ...set(acc(i)));
  // pa = a + m·rs; pb = b + kk·rs
  tile.push(...get(0), ...get(6), ...get(11), ...mul32, ...add32, ...set(9));
  tile.push(...get(1), ...get(7), ...get(11), ...mul32, ...add32, ...set(10));
  tile.push(...forLoop(8, 5, 4, inner));
  for (let i = 0; i < tm; i++) {
    // pc = c + 4·((m + i)·K + kk)
    tile.push(...get(2), ...get(6), ...i32c(i), ...add32, ...get(4), ...mul32, ...get(7), ...add32, ...i32c(2), ...shl32, ...add32, ...tee(12));
    tile.push(...hsum(acc(2 * i)), ...f32store);
    tile.push(...get(12), ...hsum(acc(2 * i + 1)), 0x38, 0x02, 0x04); // f32.store offset 4
  }
  const body = [...get(5), ...i32c(2), ...shl32, ...set(11), ...forLoop(6, 3, tm, forLoop(7, 4, 2, tile))];
  return { name: `nt${tm}`, params: P6, locals: [[7, I32], [3 + 2 * tm, V128]], body };
}

export interface SimdGemm {
  nn4(at: number, b: number, c: number, m: number, k: number, n: number, scratch: number): void;
  nn1(at: number, b: number, c: number, m: number, k: number, n: number, scratch: number): void;
  nt4(a: number, b: number, c: number, m: number, k: number, l: number): void;
  nt1(a: number, b: number, c: number, m: number, k: number, l: number): void;
}

const moduleBytes = (shared: boolean) => assembleModule(shared, [nnFunction(4), nnFunction(1), ntFunction(4), ntFunction(1)]);

/** The module on `memory` (cached), or null where WebAssembly SIMD is unavailable. */
export const simdGemm = heapModule<SimdGemm>(moduleBytes);

/** Floats of scratch that `gemmNN` needs (16-byte aligned): the packed strip and aᵀ. */
export const gemmNNScratch = (m: number, k: number): number => NN_CHUNK * k + m * k;

/**
 * c[M, N] = a[M, K]·b[K, N] (N % 16 == 0), any M. `heap` is a Float32Array over the whole heap; pointers
 * are byte offsets. aᵀ is written into the scratch (rows in blocks of 4, then the rest), after the strip.
 */
export function gemmNN(g: SimdGemm, heap: Float32Array, a: number, b: number, c: number, m: number, k: number, n: number, scratch: number): void {
  const m4 = m - (m % 4);
  const at = scratch / 4 + NN_CHUNK * k;
  const a0 = a / 4;
  for (const [from, rows, base] of [[0, m4, at], [m4, m - m4, at + m4 * k]] as const) {
    for (let kk = 0; kk < k; kk++) {
      for (let i = 0; i < rows; i++) heap[base + kk * rows + i] = heap[a0 + (from + i) * k + kk]!;
    }
  }
  if (m4 > 0) g.nn4(4 * at, b, c, m4, k, n, scratch);
  if (m4 < m) g.nn1(4 * (at + m4 * k), b, c + 4 * m4 * n, m - m4, k, n, scratch);
}

/** c[M, K] = a[M, L]·b[K, L]ᵀ (L % 4 == 0, K % 2 == 0), any M. */
export function gemmNT(g: SimdGemm, a: number, b: number, c: number, m: number, k: number, l: number): void {
  const m4 = m - (m % 4);
  if (m4 > 0) g.nt4(a, b, c, m4, k, l);
  if (m4 < m) g.nt1(a + 4 * m4 * l, b, c + 4 * m4 * k, m - m4, k, l);
}
