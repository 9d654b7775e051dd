/**
 * Winograd F(2×2, 3×3) Conv2D on wasm (wasm-conv2d.ts) against the stock wasm Conv2D: forward values, first-
 * and second-order gradients (through semstyle's backprop kernels, whose stride-1 input gradient is again a
 * Winograd convolution), odd output sizes and explicit paddings, the shapes it leaves to the stock kernel,
 * and no leaked tensors or heap data.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stockKernel } from './register.js';
import { expectNoLeaks, rand, useBackend } from './test-helpers.js';
import { winogradTuning } from './wasm-conv2d.js';

function relErr(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / Math.max(1e-30, tf.max(tf.abs(b)).dataSync()[0]!));
}

function withWinograd<T>(on: boolean, fn: () => T): T {
  const saved = { ...winogradTuning };
  winogradTuning.enabled = on;
  winogradTuning.minMacs = 0; // every qualifying shape, however small
  try {
    return fn();
  } finally {
    Object.assign(winogradTuning, saved);
  }
}

const CASES: Array<{ x: number[]; o: number; pad: 'same' | 'valid' | number[][] }> = [
  { x: [2, 8, 8, 8], o: 4, pad: 'same' },
  { x: [1, 9, 7, 4], o: 8, pad: 'same' }, // odd output: tiles cropped
  { x: [2, 9, 7, 8], o: 12, pad: 'valid' },
  { x: [1, 6, 5, 4], o: 4, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 16, 16, 32], o: 16, pad: 'same' },
];

const padLabel = (p: (typeof CASES)[number]['pad']) => (typeof p === 'string' ? p : 'explicit');

describe('Winograd Conv2D on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  afterEach(() => {
    winogradTuning.enabled = true;
  });

  for (const c of CASES) {
    it(`[${c.x}] → ${c.o} ${padLabel(c.pad)}: forward within 1e-5 of the stock kernel's scale; gradients too`, () => {
      const x = rand(c.x, 1) as tf.Tensor4D;
      const w = rand([3, 3, c.x[3]!, c.o], 2) as tf.Tensor4D;
      const stock = stockKernel(tf.Conv2D, 'wasm');
      expect(stock).toBeDefined();
      const ref = tf.engine().makeTensorFromTensorInfo(
        stock!.kernelFunc({ inputs: { x, filter: w } as unknown as tf.NamedTensorInfoMap, backend: tf.backend(), attrs: { strides: 1, pad: c.pad, dataFormat: 'NHWC', dilations: 1 } as unknown as tf.NamedAttrMap }) as tf.TensorInfo,
      );
      const got = withWinograd(true, () => tf.conv2d(x, w, 1, c.pad as never));
      expect(relErr(got, ref)).toBeLessThanOrEqual(1e-5);
      const dy = rand(ref.shape, 3);
      const grads = (on: boolean) => withWinograd(on, () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, c.pad as never), dy)))([x, w]));
      const g1 = grads(true);
      const g0 = grads(false);
      for (let i = 0; i < 2; i++) expect(relErr(g1[i]!, g0[i]!)).toBeLessThanOrEqual(1e-5);
      tf.dispose([x, w, ref, got, dy, ...g1, ...g0]);
    });
  }

  it('second-order gradients (an R1-style penalty) match the stock path', () => {
    const x = rand([2, 8, 8, 8], 4) as tf.Tensor4D;
    const w1 = rand([3, 3, 8, 8], 5) as tf.Tensor4D;
    const w2 = rand([3, 3, 8, 4], 6) as tf.Tensor4D;
    const penalty = (on: boolean) =>
      withWinograd(on, () =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => {
          const gx = tf.grad((xx: tf.Tensor) => {
            const h = tf.leakyRelu(tf.conv2d(xx as tf.Tensor4D, a as tf.Tensor4D, 1, 'same'), 0.2);
            return tf.sum(tf.square(tf.conv2d(h as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')));
          })(x);
          return tf.sum(tf.square(gx));
        })([w1, w2]),
      );
    const got = penalty(true);
    const ref = penalty(false);
    for (let i = 0; i < 2; i++) expect(relErr(got[i]!, ref[i]!)).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, w1, w2, ...got, ...ref]);
  });

  it('leaves other convolutions to the stock kernel (identical values)', () => {
    const x = rand([1, 8, 8, 6], 7) as tf.Tensor4D; // C % 4 ≠ 0
    const w = rand([3, 3, 6, 4], 8) as tf.Tensor4D;
    const a = withWinograd(true, () => tf.conv2d(x, w, 1, 'same'));
    const b = withWinograd(false, () => tf.conv2d(x, w, 1, 'same'));
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([x, w, a, b]);
  });

  it('leaves no tensors or heap data behind (forward, gradients, second order)', () => {
    const x = rand([2, 7, 8, 4], 9) as tf.Tensor4D;
    const w = rand([3, 3, 4, 8], 10) as tf.Tensor4D;
    const path = () =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(tf.conv2d(xx as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))(a);
        return tf.sum(tf.square(gx));
      })([x, w]);
    withWinograd(true, () => {
      expectNoLeaks(path);
    });
    tf.dispose([x, w]);
  });
});
