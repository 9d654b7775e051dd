/**
 * Fused bias + leaky ReLU (+ gain) and its input gradient as single passes over the wasm heap.
 *
 * `fusedLeakyRelu` computed gain · leaky_relu(x + bias) as Add, Prelu and Multiply, and its gradient as
 * Multiply, Step and Multiply: five to six passes over tensors of up to 3.4 M floats, two of them through
 * tfjs-wasm's scalar loops (Prelu, Step). These kernels do the same float32 operations in the same order
 * per element in one pass each — with WebAssembly SIMD on the heap (wasm-simd-leaky-relu.ts) where the
 * layout allows 4-float vectors, otherwise a JavaScript loop (every intermediate rounded with Math.fround)
 * — so the values are bit-identical to the op chains they replace:
 *
 *   SemstyleBiasLeakyRelu(x, bias?):  v = x + bias; out = (v < 0 ? v·slope : v) · gain
 *   SemstyleLeakyReluGrad(dy, v):     dv = (dy · gain) · (v > 0 ? 1 : slope)
 *
 * The bias must cover one contiguous block of x's axes (e.g. [C] on NHWC, [K, C, 1, 1] on [K, C, N, P]);
 * `biasBlock` tells whether a shape qualifies. The forward kernel has no gradient (it only runs inside
 * `fusedLeakyRelu`'s custom gradient, which records one op); the gradient kernel has one
 * (`leakyReluGradGradConfig`, for second-order gradients: R1, path length), built from the ops of the
 * chain it replaces so that second-order values are unchanged too.
 */
import * as tf from '@tensorflow/tfjs';
import { markKernel } from './marker.js';
import { floatOffset, heapMemory, type WasmHeapBackend } from './wasm-heap-view.js';
import { simdLeakyRelu, type SimdLeakyRelu } from './wasm-simd-leaky-relu.js';

export const BIAS_LEAKY_RELU = 'SemstyleBiasLeakyRelu';
export const LEAKY_RELU_GRAD = 'SemstyleLeakyReluGrad';

export interface LeakyReluAttrs {
  slope: number;
  gain: number;
}

interface WasmBackendLike extends WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** The SIMD module on this backend's heap (threaded builds import their memory, others export it). */
function simdFor(backend: WasmBackendLike): SimdLeakyRelu | null {
  const memory = heapMemory(backend);
  return memory === undefined ? null : simdLeakyRelu(memory);
}

/** Byte offset of a tensor on the heap. */
function offset(backend: WasmBackendLike, info: tf.TensorInfo): number {
  return 4 * floatOffset(backend, info);
}

/**
 * x viewed as [outer, block, inner] with the bias indexing the middle axis, or undefined when the bias does
 * not broadcast that way (after leading 1s, its non-1 axes must be contiguous and equal to x's).
 */
export function biasBlock(xShape: readonly number[], biasShape: readonly number[]): { outer: number; block: number; inner: number } | undefined {
  const rank = xShape.length;
  if (biasShape.length > rank) return undefined;
  const b = [...new Array<number>(rank - biasShape.length).fill(1), ...biasShape];
  const axes = b.map((d, i) => (d !== 1 ? i : -1)).filter((i) => i >= 0);
  if (axes.length === 0) return { outer: 1, block: 1, inner: xShape.reduce((a, c) => a * c, 1) };
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  let outer = 1;
  let block = 1;
  let inner = 1;
  for (let i = 0; i < rank; i++) {
    if (i < first) outer *= xShape[i]!;
    else if (i > last) inner *= xShape[i]!;
    else {
      if (b[i] !== xShape[i]) return undefined;
      block *= xShape[i]!;
    }
  }
  return { outer, block, inner };
}

function floatHeap(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

export function makeWasmBiasLeakyReluConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: BIAS_LEAKY_RELU,
    backendName,
    kernelFunc: markKernel(({ inputs, backend, attrs }) => {
      const { x, bias } = inputs as { x: tf.TensorInfo; bias?: tf.TensorInfo };
      const { slope, gain } = attrs as unknown as LeakyReluAttrs;
      const layout = biasBlock(x.shape, bias?.shape ?? []);
      if (layout === undefined) throw new Error(`${BIAS_LEAKY_RELU}: bias [${bias?.shape}] does not broadcast as one block of [${x.shape}].`);
      const wasm = backend as unknown as WasmBackendLike;
      const out = wasm.makeOutput(x.shape, 'float32');
      const { outer, block, inner } = layout;
      const simd = simdFor(wasm);
      if (simd !== null && (inner % 4 === 0 || (inner === 1 && block % 4 === 0))) {
        // No bias: add −0, which leaves every value (−0 included) as it is.
        const negZero = bias === undefined ? wasm.makeOutput([1], 'float32') : undefined;
        if (negZero !== undefined) floatHeap(wasm, negZero)[0] = -0;
        const b = bias ?? negZero!;
        if (inner % 4 === 0) simd.rows(offset(wasm, x), offset(wasm, b), offset(wasm, out), outer, block, inner, slope, gain);
        else simd.cols(offset(wasm, x), offset(wasm, b), offset(wasm, out), outer, block, slope, gain);
        if (negZero !== undefined) wasm.disposeData(negZero.dataId);
        return out;
      }
      // Heap views only after makeOutput (which may grow the heap).
      const xs = floatHeap(wasm, x);
      const ys = floatHeap(wasm, out);
      const bs = bias === undefined ? undefined : floatHeap(wasm, bias);
      const a = Math.fround(slope);
      const g = Math.fround(gain);
      let i = 0;
      for (let o = 0; o < outer; o++) {
        for (let c = 0; c < block; c++) {
          const bc = bs === undefined ? 0 : bs[c]!;
          for (let e = 0; e < inner; e++, i++) {
            let v = bs === undefined ? xs[i]! : Math.fround(xs[i]! + bc);
            if (v < 0) v = Math.fround(v * a);
            ys[i] = v * g;
          }
        }
      }
      return out;
    }),
  };
}

export function makeWasmLeakyReluGradConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: LEAKY_RELU_GRAD,
    backendName,
    kernelFunc: markKernel(({ inputs, backend, attrs }) => {
      const { dy, v } = inputs as { dy: tf.TensorInfo; v: tf.TensorInfo };
      const { slope, gain } = attrs as unknown as LeakyReluAttrs;
      if (!tf.util.arraysEqual(dy.shape, v.shape)) throw new Error(`${LEAKY_RELU_GRAD}: dy [${dy.shape}] and v [${v.shape}] differ.`);
      const wasm = backend as unknown as WasmBackendLike;
      const out = wasm.makeOutput(dy.shape, 'float32');
      const size = tf.util.sizeFromShape(dy.shape);
      const simd = simdFor(wasm);
      // SIMD over the multiple-of-4 prefix, the rest (< 4 values) below.
      const head = simd === null ? 0 : size - (size % 4);
      if (simd !== null) simd.grad(offset(wasm, dy), offset(wasm, v), offset(wasm, out), head, slope, gain);
      const ds = floatHeap(wasm, dy);
      const vs = floatHeap(wasm, v);
      const ys = floatHeap(wasm, out);
      const a = Math.fround(slope);
      const g = Math.fround(gain);
      for (let i = head; i < ys.length; i++) {
        const d = Math.fround(ds[i]! * g);
        const vi = vs[i]!;
        // Step(v, slope): 1 above zero, slope otherwise, NaN for NaN.
        ys[i] = vi > 0 ? d : vi !== vi ? NaN : d * a;
      }
      return out;
    }),
  };
}

/**
 * Gradient of SemstyleLeakyReluGrad: linear in dy, so ddy = (ddv · step(v, slope)) · gain (the Multiply
 * gradients of the former chain, same order); v only selects, so its gradient is zero (Step's was zero).
 */
export const leakyReluGradGradConfig: tf.GradConfig = {
  kernelName: LEAKY_RELU_GRAD,
  inputsToSave: ['v'],
  gradFunc: (ddv: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [v] = saved as [tf.Tensor];
    const { slope, gain } = attrs as unknown as LeakyReluAttrs;
    const g = ddv as tf.Tensor;
    return { dy: () => tf.mul(tf.mul(g, tf.step(v, slope)), gain), v: () => tf.zerosLike(v) };
  },
};
