/**
 * A minimal WebAssembly binary assembler for the SIMD kernels that run on tfjs-backend-wasm's heap
 * (wasm-simd-leaky-relu.ts, wasm-simd-gemm.ts): LEB128 encodings, the instructions those kernels use, and
 * a module builder that imports the backend's memory and exports functions. No toolchain needed at build
 * or run time; V8 compiles the bytes like any other module.
 */

// ---- binary-format helpers ----
export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
export const sleb = (n: number): number[] => {
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
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

// ---- instructions ----
export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const tee = (i: number) => [0x22, ...uleb(i)];
export const i32c = (n: number) => [0x41, ...sleb(n)];
export const add32 = [0x6a];
export const mul32 = [0x6c];
export const shl32 = [0x74];
export const geU32 = [0x4f];
export const f32load = [0x2a, 0x02, 0x00];
export const f32store = [0x38, 0x02, 0x00];
export const f32add = [0x92];
export const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
/** v128.load / store with a constant byte offset (alignment hint 16). */
export const v128loadAt = (offset: number) => simd(0x00, 0x04, ...uleb(offset));
export const v128storeAt = (offset: number) => simd(0x0b, 0x04, ...uleb(offset));
export const v128load = v128loadAt(0);
export const v128store = v128storeAt(0);
/** v128.load32_splat: one float from memory into all four lanes. */
export const load32splatAt = (offset: number) => simd(0x09, 0x02, ...uleb(offset));
export const v128zero = simd(0x0c, ...new Array<number>(16).fill(0));
export const f32x4splat = simd(0x13);
export const f32x4extract = (lane: number) => simd(0x1f, lane);
export const f32x4lt = simd(0x43);
export const f32x4gt = simd(0x44);
export const bitselect = simd(0x52);
export const f32x4add = simd(0xe4);
export const f32x4mul = simd(0xe6);
export const block = (body: number[]) => [0x02, 0x40, ...body, 0x0b];
export const loop = (body: number[]) => [0x03, 0x40, ...body, 0x0b];
export const brIf = (depth: number) => [0x0d, ...uleb(depth)];
export const br = (depth: number) => [0x0c, ...uleb(depth)];
/** for (i = 0; i < n; i += step) body — `i` and `n` are locals; body must not branch out. */
export const forLoop = (i: number, n: number, step: number, body: number[]) => [
  ...i32c(0),
  ...set(i),
  ...block(loop([...get(i), ...get(n), ...geU32, ...brIf(1), ...body, ...get(i), ...i32c(step), ...add32, ...set(i), ...br(0)])),
];
export const bump = (p: number, bytes: number) => [...get(p), ...i32c(bytes), ...add32, ...set(p)];

export interface AsmFunction {
  name: string;
  params: number[];
  /** Local declarations after the parameters: [count, type] runs. */
  locals: Array<[number, number]>;
  body: number[];
}

/** A module importing `env.memory` (shared or not) and exporting `functions` (no results). */
export function assembleModule(shared: boolean, functions: readonly AsmFunction[]): Uint8Array<ArrayBuffer> {
  const types = vec(functions.map((f) => [0x60, ...vec(f.params.map((p) => [p])), 0x00]));
  // Memory import: any size; a shared memory must declare a maximum (4 GiB covers every wasm32 memory).
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const imports = vec([[...name('env'), ...name('memory'), 0x02, ...limits]]);
  const funcs = vec(functions.map((_, i) => uleb(i)));
  const exports = vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const code = vec(
    functions.map((f) => {
      const body = [...vec(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.body, 0x0b];
      return [...uleb(body.length), ...body];
    }),
  );
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

/** Instantiates `bytes(shared)` on `memory`, or null where SIMD or a shared-memory import is unsupported. */
export function instantiateOnHeap<T>(memory: WebAssembly.Memory, bytes: (shared: boolean) => Uint8Array<ArrayBuffer>): T | null {
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const module = new WebAssembly.Module(bytes(shared));
    return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as T;
  } catch {
    return null;
  }
}

/** `memory` → the module instantiated on it, cached per memory (null where SIMD or the import is unavailable). */
export function heapModule<T>(bytes: (shared: boolean) => Uint8Array<ArrayBuffer>): (memory: WebAssembly.Memory) => T | null {
  const instances = new WeakMap<WebAssembly.Memory, T | null>();
  return (memory) => {
    let instance = instances.get(memory);
    if (instance === undefined) {
      instance = instantiateOnHeap<T>(memory, bytes);
      instances.set(memory, instance);
    }
    return instance;
  };
}
