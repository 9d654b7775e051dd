/**
 * SemstyleRegionMatMul / SemstyleRegionMatMulNT on wasm (WebAssembly SIMD loops, or the stock BatchMatMul on
 * heap views) against the op-level form (unstack, matMul, stack; explicit transposes): forward values and
 * first- and second-order gradients, shapes the SIMD loops take and shapes they leave to the fallback, and
 * no leaked tensors or heap data.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { regionMatMul, regionMatMulNT, regionMatMulTuning } from '../layers/plain-matmul.js';
import { regionMatMulKernelTuning } from './wasm-region-matmul.js';
import { expectNoLeaks, rand, useBackend } from './test-helpers.js';

function withKernel<T>(on: boolean, fn: () => T, simd = true): T {
  regionMatMulTuning.wasmKernel = on;
  regionMatMulKernelTuning.simd = simd;
  try {
    return fn();
  } finally {
    regionMatMulTuning.wasmKernel = true;
    regionMatMulKernelTuning.simd = true;
  }
}

/** max |a − b| relative to max |b|: float32 rounding of short sums stays far below 1e-5. */
function relErr(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / Math.max(1e-30, tf.max(tf.abs(b)).dataSync()[0]!));
}

const SHAPES = [
  [13, 32, 32, 96], // SIMD: row tiles of 4, two 16-column strips of one chunk
  [2, 13, 6, 272], // SIMD: 13 rows (3 tiles + 1 row), a 256-column chunk and a 16-column one
  [3, 5, 7, 11], // fallback everywhere (N % 16, L % 4, K odd)
  [1, 4, 6, 8], // NN fallback (N % 16), NT (dW: K = 6, L = 8) on SIMD
] as const;

describe('SemstyleRegionMatMul(NT) on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => {
    regionMatMulTuning.wasmKernel = true;
    regionMatMulKernelTuning.simd = true;
  });

  for (const [r, m, k, n] of SHAPES) {
    it(`regionMatMul [${r}, ${m}, ${k}] · [${r}, ${k}, ${n}]: forward and gradients match the op-level form`, () => {
      const w = rand([r, m, k], 1) as tf.Tensor3D;
      const x = rand([r, k, n], 2) as tf.Tensor3D;
      const dy = rand([r, m, n], 3);
      const run = (on: boolean, simd = true) =>
        withKernel(on, () => {
          const y = regionMatMul(w, x);
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(regionMatMul(a as tf.Tensor3D, b as tf.Tensor3D), dy)))([w, x]);
          return [y, ...g];
        }, simd);
      const ours = run(true);
      const views = run(true, false);
      const ref = run(false);
      // The forward products add in XNNPACK's order: identical values, SIMD loops or not.
      expect(Array.from(ours[0]!.dataSync())).toEqual(Array.from(ref[0]!.dataSync()));
      expect(Array.from(views[0]!.dataSync())).toEqual(Array.from(ref[0]!.dataSync()));
      for (let i = 1; i < ours.length; i++) {
        expect(relErr(ours[i]!, ref[i]!)).toBeLessThanOrEqual(1e-6);
        expect(relErr(views[i]!, ref[i]!)).toBeLessThanOrEqual(1e-6);
      }
      tf.dispose([w, x, dy, ...ours, ...views, ...ref]);
    });
  }

  for (const [r, m, k, l] of [[13, 32, 32, 8192], [2, 13, 6, 36], [3, 1, 4, 20], [2, 3, 5, 8]] as const) {
    it(`regionMatMulNT [${r}, ${m}, ${l}] · [${r}, ${k}, ${l}]ᵀ equals tf.matMul(a, b, false, true) to float32 rounding, gradients too`, () => {
      const a = rand([r, m, l], 4) as tf.Tensor3D;
      const b = rand([r, k, l], 5) as tf.Tensor3D;
      const dz = rand([r, m, k], 6);
      const y = regionMatMulNT(a, b);
      const ref = tf.matMul(a, b, false, true);
      expect(relErr(y, ref)).toBeLessThanOrEqual(1e-5);
      const got = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(regionMatMulNT(p as tf.Tensor3D, q as tf.Tensor3D), dz)))([a, b]);
      const want = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q, false, true), dz)))([a, b]);
      for (let i = 0; i < 2; i++) expect(relErr(got[i]!, want[i]!)).toBeLessThanOrEqual(1e-5);
      tf.dispose([a, b, dz, y, ref, ...got, ...want]);
    });
  }

  for (const [label, wShape, xShape] of [
    ['fallback shapes', [4, 6, 5], [4, 5, 9]],
    ['SIMD shapes', [3, 6, 4], [3, 4, 32]],
  ] as const) {
    it(`leaves no tensors or heap data behind (second order included), ${label}`, () => {
      const w = rand([...wShape], 4) as tf.Tensor3D;
      const x = rand([...xShape], 5) as tf.Tensor3D;
      const path = () =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => {
          const gx = tf.grad((bb: tf.Tensor) => tf.sum(tf.square(regionMatMul(a as tf.Tensor3D, bb as tf.Tensor3D))))(b);
          const ga = tf.grad((aa: tf.Tensor) => tf.sum(tf.square(regionMatMul(aa as tf.Tensor3D, b as tf.Tensor3D))))(a);
          return tf.add(tf.sum(tf.square(gx)), tf.sum(tf.square(ga)));
        })([w, x]);
      expectNoLeaks(path);
      tf.dispose([w, x]);
    });
  }
});
