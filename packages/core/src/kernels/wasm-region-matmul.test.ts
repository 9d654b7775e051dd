/**
 * SemstyleRegionMatMul on wasm (per-region products on heap views) against the op-level form it replaces
 * (unstack, matMul, stack): identical values forward and backward, no leaked tensors or heap data.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { regionMatMul, regionMatMulTuning } from '../layers/plain-matmul.js';
import { rand, useBackend } from './test-helpers.js';

function withKernel<T>(on: boolean, fn: () => T): T {
  regionMatMulTuning.wasmKernel = on;
  try {
    return fn();
  } finally {
    regionMatMulTuning.wasmKernel = true;
  }
}

describe('SemstyleRegionMatMul on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => {
    regionMatMulTuning.wasmKernel = true;
  });

  for (const [r, m, k, n] of [
    [13, 32, 32, 96],
    [3, 5, 7, 11],
    [1, 4, 6, 8],
  ] as const) {
    it(`equals unstack · matMul · stack bit for bit, forward and gradients, [${r}, ${m}, ${k}] · [${r}, ${k}, ${n}]`, () => {
      const w = rand([r, m, k], 1) as tf.Tensor3D;
      const x = rand([r, k, n], 2) as tf.Tensor3D;
      const dy = rand([r, m, n], 3);
      const run = (on: boolean) =>
        withKernel(on, () => {
          const y = regionMatMul(w, x);
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(regionMatMul(a as tf.Tensor3D, b as tf.Tensor3D), dy)))([w, x]);
          return [y, ...g];
        });
      const ours = run(true);
      const ref = run(false);
      for (let i = 0; i < ours.length; i++) {
        expect(ours[i]!.shape).toEqual(ref[i]!.shape);
        expect(Array.from(ours[i]!.dataSync())).toEqual(Array.from(ref[i]!.dataSync()));
      }
      tf.dispose([w, x, dy, ...ours, ...ref]);
    });
  }

  it('leaves no tensors or heap data behind (second order included)', () => {
    const w = rand([4, 6, 5], 4) as tf.Tensor3D;
    const x = rand([4, 5, 9], 5) as tf.Tensor3D;
    const path = () =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const gx = tf.grad((bb: tf.Tensor) => tf.sum(tf.square(regionMatMul(a as tf.Tensor3D, bb as tf.Tensor3D))))(b);
        return tf.sum(tf.square(gx));
      })([w, x]);
    tf.dispose(path());
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    for (let i = 0; i < 3; i++) tf.dispose(path());
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    tf.dispose([w, x]);
  });
});
