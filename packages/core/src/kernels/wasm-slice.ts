import * as tf from '@tensorflow/tfjs';
import { markKernel } from './marker.js';

/**
 * `Slice`, `Unpack` and `SplitV` for tfjs-backend-wasm, reading the input in place on the wasm heap.
 *
 * The stock kernels (4.22) start with `backend.readSync(x)`, which copies the WHOLE input out of the heap
 * (`HEAPU8.slice`) for every slice: unstacking [13, 16, 8192] into 13 pieces copied 13 × 6.8 MB (~20 ms
 * instead of ~1), and the gradient of every concat (a split) and of every pad (a slice) paid the same. They
 * also fall back to a per-element index computation above rank 4 (a rank-6 slice of 0.4 M floats took
 * ~85 ms). These copy only the selected runs: contiguous runs with `TypedArray.set`, short ones element by
 * element. Pure data movement: outputs are identical to the stock kernels'.
 */

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type Heap = Float32Array | Int32Array | Uint8Array;

/** Below this run length a plain loop beats creating a subarray view per run. */
const SHORT_RUN = 32;

/** Copy the box [begin, begin + size) of `src` (row-major `shape`) into `out`. */
export function copyBox(src: Heap, shape: readonly number[], begin: readonly number[], size: readonly number[], out: Heap): void {
  const rank = shape.length;
  const total = size.reduce((a, b) => a * b, 1);
  if (total === 0) return;
  const strides = new Array<number>(rank);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = acc;
    acc *= shape[d]!;
  }
  // q: the last axis that is not taken whole; axes after it form one contiguous run with it.
  let q = -1;
  for (let d = rank - 1; d >= 0; d--) {
    if (begin[d] !== 0 || size[d] !== shape[d]) {
      q = d;
      break;
    }
  }
  if (q < 0) {
    out.set(src.subarray(0, total));
    return;
  }
  const run = size[q]! * strides[q]!;
  const runStart = begin[q]! * strides[q]!;
  const outer = q; // axes 0 … q-1 are iterated
  let base = runStart;
  for (let d = 0; d < outer; d++) base += begin[d]! * strides[d]!;
  const index = new Array<number>(outer).fill(0);
  let srcOffset = base;
  let outOffset = 0;
  const count = total / run;
  for (let r = 0; r < count; r++) {
    if (run >= SHORT_RUN) {
      out.set(src.subarray(srcOffset, srcOffset + run), outOffset);
    } else {
      for (let e = 0; e < run; e++) out[outOffset + e] = src[srcOffset + e]!;
    }
    outOffset += run;
    // Odometer over the outer axes.
    for (let d = outer - 1; d >= 0; d--) {
      index[d]!++;
      srcOffset += strides[d]!;
      if (index[d]! < size[d]!) break;
      srcOffset -= size[d]! * strides[d]!;
      index[d] = 0;
    }
  }
}

function sliceWasm(backend: WasmBackendLike, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  // Views only after makeOutput (which may grow the heap).
  copyBox(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

function supported(x: tf.TensorInfo): boolean {
  return x.dtype === 'float32' || x.dtype === 'int32' || x.dtype === 'bool';
}

/** Our kernel for `kernelName` on wasm, falling back to the stock one for strings and other dtypes. */
function withFallback(kernelName: string, stock: tf.KernelConfig | undefined, fn: tf.KernelFunc): tf.KernelFunc {
  return markKernel((args: Parameters<tf.KernelFunc>[0]) => {
    const x = (args.inputs as Record<string, tf.TensorInfo>)[kernelName === tf.Unpack ? 'value' : 'x']!;
    if (!supported(x)) {
      if (stock === undefined) throw new Error(`${kernelName}: dtype ${x.dtype} is not supported.`);
      return stock.kernelFunc(args);
    }
    return fn(args);
  });
}

export function makeWasmSliceConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.Slice, backendName);
  return {
    kernelName: tf.Slice,
    backendName,
    kernelFunc: withFallback(tf.Slice, stock, ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const a = attrs as unknown as tf.SliceAttrs;
      const [begin, size] = tf.slice_util.parseSliceParams(x, a.begin, a.size) as [number[], number[]];
      return sliceWasm(backend as unknown as WasmBackendLike, x, begin, size);
    }),
  };
}

export function makeWasmUnpackConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.Unpack, backendName);
  return {
    kernelName: tf.Unpack,
    backendName,
    kernelFunc: withFallback(tf.Unpack, stock, ({ inputs, backend, attrs }) => {
      const { value } = inputs as { value: tf.TensorInfo };
      let { axis } = attrs as unknown as tf.UnpackAttrs;
      const rank = value.shape.length;
      if (axis < 0) axis += rank;
      const outShape = value.shape.filter((_, i) => i !== axis);
      const begin = new Array<number>(rank).fill(0);
      const size = value.shape.slice();
      size[axis] = 1;
      const outs: tf.TensorInfo[] = [];
      for (let i = 0; i < value.shape[axis]!; i++) {
        begin[axis] = i;
        const piece = sliceWasm(backend as unknown as WasmBackendLike, value, begin, size);
        outs.push({ dataId: piece.dataId, dtype: piece.dtype, shape: outShape });
      }
      return outs;
    }),
  };
}

export function makeWasmSplitVConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.SplitV, backendName);
  return {
    kernelName: tf.SplitV,
    backendName,
    kernelFunc: withFallback(tf.SplitV, stock, ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const a = attrs as unknown as tf.SplitVAttrs;
      const axis = tf.util.parseAxisParam(a.axis, x.shape)[0]!;
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, a.numOrSizeSplits, axis);
      const begin = new Array<number>(x.shape.length).fill(0);
      return sizes.map((s) => {
        const size = x.shape.slice();
        size[axis] = s;
        const piece = sliceWasm(backend as unknown as WasmBackendLike, x, begin, size);
        begin[axis]! += s;
        return piece;
      });
    }),
  };
}
