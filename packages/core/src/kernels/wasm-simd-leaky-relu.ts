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

// ---- minimal binary-format helpers ----
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

// Instructions.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (n: number) => [0x41, ...sleb(n)];
const add32 = [0x6a];
const shl32 = [0x74];
const geU32 = [0x4f];
const f32load = [0x2a, 0x02, 0x00];
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const v128load = simd(0x00, 0x04, 0x00);
const v128store = simd(0x0b, 0x04, 0x00);
const v128zero = simd(0x0c, ...new Array<number>(16).fill(0));
const f32x4splat = simd(0x13);
const f32x4lt = simd(0x43);
const f32x4gt = simd(0x44);
const bitselect = simd(0x52);
const f32x4add = simd(0xe4);
const f32x4mul = simd(0xe6);
const block = (body: number[]) => [0x02, 0x40, ...body, 0x0b];
const loop = (body: number[]) => [0x03, 0x40, ...body, 0x0b];
const brIf = (depth: number) => [0x0d, ...uleb(depth)];
const br = (depth: number) => [0x0c, ...uleb(depth)];
/** for (i = 0; i < n; i += step) body — `i` and `n` are locals; body must not branch out. */
const forLoop = (i: number, n: number, step: number, body: number[]) => [
  ...i32c(0),
  ...set(i),
  ...block(loop([...get(i), ...get(n), ...geU32, ...brIf(1), ...body, ...get(i), ...i32c(step), ...add32, ...set(i), ...br(0)])),
];
const bump = (p: number, bytes: number) => [...get(p), ...i32c(bytes), ...add32, ...set(p)];

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

function rowsFunction(): number[] {
  // params: 0 x, 1 bias, 2 y, 3 outer, 4 block, 5 inner, 6 slope, 7 gain; locals: 8 o, 9 c, 10 e, 11 av, 12 gv, 13 bv, 14 v
  const body = [
    ...get(6), ...f32x4splat, ...set(11),
    ...get(7), ...f32x4splat, ...set(12),
    ...forLoop(8, 3, 1, forLoop(9, 4, 1, [
      ...get(1), ...get(9), ...i32c(2), ...shl32, ...add32, ...f32load, ...f32x4splat, ...set(13),
      ...forLoop(10, 5, 4, leakyBody(0, 2, 13, 11, 12, 14)),
    ])),
  ];
  return [...vec([[3, I32], [3, V128], [1, V128]]), ...body, 0x0b];
}

function colsFunction(): number[] {
  // params: 0 x, 1 bias, 2 y, 3 outer, 4 block, 5 slope, 6 gain; locals: 7 o, 8 c, 9 av, 10 gv, 11 bv, 12 v
  const body = [
    ...get(5), ...f32x4splat, ...set(9),
    ...get(6), ...f32x4splat, ...set(10),
    ...forLoop(7, 3, 1, forLoop(8, 4, 4, [
      ...get(1), ...get(8), ...i32c(2), ...shl32, ...add32, ...v128load, ...set(11),
      ...leakyBody(0, 2, 11, 9, 10, 12),
    ])),
  ];
  return [...vec([[2, I32], [4, V128]]), ...body, 0x0b];
}

function gradFunction(): number[] {
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
  return [...vec([[1, I32], [3, V128]]), ...body, 0x0b];
}

function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const types = vec([
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [F32], [F32]]), 0x00], // rows
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [F32], [F32]]), 0x00], // cols
    [0x60, ...vec([[I32], [I32], [I32], [I32], [F32], [F32]]), 0x00], // grad
  ]);
  // Memory import: any size; a shared memory must declare a maximum (4 GiB covers every wasm32 memory).
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = vec([[...name('env'), ...name('memory'), 0x02, ...limits]]);
  const functions = vec([[0], [1], [2]]);
  const exports = vec([
    [...name('rows'), 0x00, 0],
    [...name('cols'), 0x00, 1],
    [...name('grad'), 0x00, 2],
  ]);
  const code = vec([rowsFunction(), colsFunction(), gradFunction()].map((f) => [...uleb(f.length), ...f]));
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, functions),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

export interface SimdLeakyRelu {
  rows(x: number, bias: number, y: number, outer: number, block: number, inner: number, slope: number, gain: number): void;
  cols(x: number, bias: number, y: number, outer: number, block: number, slope: number, gain: number): void;
  grad(dy: number, v: number, out: number, count: number, slope: number, gain: number): void;
}

const instances = new WeakMap<WebAssembly.Memory, SimdLeakyRelu | null>();

/**
 * The module instantiated on `memory` (cached per memory), or null where WebAssembly SIMD (or a shared
 * memory import) is not available: callers then fall back to the op chain.
 */
export function simdLeakyRelu(memory: WebAssembly.Memory): SimdLeakyRelu | null {
  let instance = instances.get(memory);
  if (instance === undefined) {
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const module = new WebAssembly.Module(moduleBytes(shared));
      instance = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdLeakyRelu;
    } catch {
      instance = null;
    }
    instances.set(memory, instance);
  }
  return instance;
}
