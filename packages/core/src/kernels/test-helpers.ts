/**
 * Helpers for the kernel tests (not part of the public API): float64 reference convolution gradients,
 * backend selection, comparisons and central finite differences.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import '@tensorflow/tfjs-backend-wasm';
import { registerSemstyleKernels } from './register.js';

export const BACKENDS = ['wasm', 'cpu'] as const;

export async function useBackend(name: string): Promise<void> {
  registerSemstyleKernels();
  if (tf.getBackend() !== name) await tf.setBackend(name);
  await tf.ready();
}

/** Deterministic pseudo-random values in [-1, 1). */
export function rand(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  let s = (seed * 2654435761) >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    v[i] = lo + ((s >>> 8) / (1 << 24)) * (hi - lo);
  }
  return tf.tensor(v, shape);
}

export type Pad = 'same' | 'valid' | number[][];

export interface RefCase {
  x: Float32Array;
  xShape: number[];
  w: Float32Array;
  wShape: number[];
  dy: Float32Array;
  dyShape: number[];
  stride: number;
  pad: Pad;
  depthwise: boolean;
}

/** Float64 loops over the definition of a (depthwise) convolution: returns dx and dW. */
export function referenceConvGrads(c: RefCase): { dx: Float64Array; dw: Float64Array } {
  const info = tf.backend_util.computeConv2DInfo(
    c.xShape as [number, number, number, number],
    c.wShape as [number, number, number, number],
    c.stride,
    1,
    c.pad as 'valid',
    undefined,
    c.depthwise,
  );
  const [n, h, w, ci] = c.xShape as [number, number, number, number];
  const [kh, kw, , last] = c.wShape as [number, number, number, number];
  const [, oh, ow, co] = c.dyShape as [number, number, number, number];
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const dx = new Float64Array(c.x.length);
  const dw = new Float64Array(c.w.length);
  const xi = (b: number, y: number, x: number, ch: number) => ((b * h + y) * w + x) * ci + ch;
  for (let b = 0; b < n; b++)
    for (let p = 0; p < oh; p++)
      for (let q = 0; q < ow; q++)
        for (let o = 0; o < co; o++) {
          const g = c.dy[((b * oh + p) * ow + q) * co + o]!;
          for (let i = 0; i < kh; i++) {
            const y = p * c.stride + i - pt;
            if (y < 0 || y >= h) continue;
            for (let j = 0; j < kw; j++) {
              const x = q * c.stride + j - pl;
              if (x < 0 || x >= w) continue;
              if (c.depthwise) {
                const m = last;
                const ch = Math.floor(o / m);
                const k = o % m;
                const wIdx = ((i * kw + j) * ci + ch) * m + k;
                dx[xi(b, y, x, ch)]! += g * c.w[wIdx]!;
                dw[wIdx]! += g * c.x[xi(b, y, x, ch)]!;
              } else {
                for (let ch = 0; ch < ci; ch++) {
                  const wIdx = ((i * kw + j) * ci + ch) * co + o;
                  dx[xi(b, y, x, ch)]! += g * c.w[wIdx]!;
                  dw[wIdx]! += g * c.x[xi(b, y, x, ch)]!;
                }
              }
            }
          }
        }
  return { dx, dw };
}

/** Max |a-b| divided by max(1, max|b|). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let e = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return e / scale;
}

/**
 * Central finite difference of scalar `f` with respect to element `index` of `params[which]`.
 * `f` must not keep the tensors it is given.
 */
export function centralDiff(
  f: (params: tf.Tensor[]) => tf.Scalar,
  params: tf.Tensor[],
  which: number,
  index: number,
  h: number,
): number {
  const base = params[which]!;
  const vals = base.dataSync().slice();
  const eval1 = (delta: number): number => {
    const v = vals.slice();
    v[index] = v[index]! + delta;
    return tf.tidy(() => {
      const moved = tf.tensor(v, base.shape, base.dtype);
      const ps = params.map((p, i) => (i === which ? moved : p));
      return f(ps).dataSync()[0]!;
    });
  };
  return (eval1(h) - eval1(-h)) / (2 * h);
}

/** Runs `body` and returns how many tensors it left behind. */
export function tensorsLeaked(body: () => void): number {
  const before = tf.memory().numTensors;
  body();
  return tf.memory().numTensors - before;
}

/**
 * Runs `path` once to warm caches, then three more times, and expects neither tensors nor backend data
 * (e.g. zero-copy heap views) to be left behind.
 */
export function expectNoLeaks(path: () => tf.TensorContainer): void {
  tf.dispose(path());
  const tensors = tf.memory().numTensors;
  const dataIds = tf.engine().backend.numDataIds();
  for (let i = 0; i < 3; i++) tf.dispose(path());
  expect(tf.memory().numTensors).toBe(tensors);
  expect(tf.engine().backend.numDataIds()).toBe(dataIds);
}
