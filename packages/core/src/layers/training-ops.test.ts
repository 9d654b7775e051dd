/**
 * The custom-gradient ops of the training path against tfjs' own autodiff of the same math, on wasm and
 * cpu: fusedLeakyRelu's gradient is bit-identical to the unfused chain's (and its second-order bias
 * gradients are zeros, not missing); plainMatMul / regionMatMul equal tf.matMul forward and match its
 * gradients to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, rand, useBackend } from '../kernels/test-helpers.js';
import { fusedLeakyRelu } from './fused-leaky-relu.js';
import { plainMatMul, regionMatMul } from './plain-matmul.js';

function maxRel(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / Math.max(1e-30, tf.max(tf.abs(b)).dataSync()[0]!));
}

for (const backend of BACKENDS) {
  describe(`training ops on ${backend}`, () => {
    beforeAll(async () => {
      await useBackend(backend);
    });

    it('fusedLeakyRelu: gradients bit-identical to tfjs autodiff of add → leakyRelu → mul', () => {
      const x = rand([4, 6, 5, 8], 1);
      const b = rand([8], 2);
      const dy = rand([4, 6, 5, 8], 3);
      const unfused = (xx: tf.Tensor, bb: tf.Tensor) => tf.mul(tf.leakyRelu(tf.add(xx, bb), 0.2), Math.SQRT2);
      const ref = tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(unfused(xx, bb), dy)))([x, b]);
      const got = tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(fusedLeakyRelu(xx, bb), dy)))([x, b]);
      for (let i = 0; i < 2; i++) expect(Array.from(got[i]!.dataSync())).toEqual(Array.from(ref[i]!.dataSync()));
      // Channel-major bias ([C, 1, 1] over [C, N, P]) and no bias.
      const xc = rand([8, 3, 7], 4);
      const bc = rand([8, 1, 1], 5);
      const refC = tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(unfused(xx, bb))))([xc, bc]);
      const gotC = tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(fusedLeakyRelu(xx, bb))))([xc, bc]);
      for (let i = 0; i < 2; i++) expect(Array.from(gotC[i]!.dataSync())).toEqual(Array.from(refC[i]!.dataSync()));
      const gNone = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(fusedLeakyRelu(xx))))(xc);
      const rNone = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(tf.mul(tf.leakyRelu(xx, 0.2), Math.SQRT2))))(xc);
      expect(Array.from(gNone.dataSync())).toEqual(Array.from(rNone.dataSync()));
      tf.dispose([x, b, dy, xc, bc, ...ref, ...got, ...refC, ...gotC, gNone, rNone]);
    });

    it('fusedLeakyRelu: a second-order gradient that only flows through the kink is a zero tensor, as tfjs gives', () => {
      // ∂/∂b Σ(∂/∂x Σ lrelu(x + b))² = 0 everywhere but the kink: tfjs' chain returns zeros (connected
      // through Greater), and so must the custom op (Adam skips parameters whose gradient is missing).
      const x = rand([5, 4], 6);
      const b = tf.variable(rand([4], 7));
      const penalty = (f: (xx: tf.Tensor) => tf.Tensor) => () => tf.sum(tf.square(tf.grad((xx: tf.Tensor) => tf.sum(f(xx)))(x))) as tf.Scalar;
      const ref = tf.variableGrads(penalty((xx) => tf.mul(tf.leakyRelu(tf.add(xx, b), 0.2), Math.SQRT2)), [b]);
      const got = tf.variableGrads(penalty((xx) => fusedLeakyRelu(xx, b)), [b]);
      expect(ref.grads[b.name]).toBeDefined();
      expect(got.grads[b.name]).toBeDefined();
      expect(Array.from(got.grads[b.name]!.dataSync())).toEqual(Array.from(ref.grads[b.name]!.dataSync()));
      tf.dispose([x, b, ref.value, got.value, ...Object.values(ref.grads), ...Object.values(got.grads)]);
    });

    it('plainMatMul and regionMatMul: forward equals tf.matMul; gradients match', () => {
      const a = rand([6, 5], 8);
      const m = rand([5, 7], 9);
      const dy = rand([6, 7], 10);
      expect(Array.from(plainMatMul(a as tf.Tensor2D, m as tf.Tensor2D).dataSync())).toEqual(Array.from(tf.matMul(a as tf.Tensor2D, m as tf.Tensor2D).dataSync()));
      const ref = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D), dy)))([a, m]);
      const got = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(plainMatMul(p as tf.Tensor2D, q as tf.Tensor2D), dy)))([a, m]);
      for (let i = 0; i < 2; i++) expect(maxRel(got[i]!, ref[i]!)).toBeLessThan(1e-6);
      const w = rand([3, 4, 5], 11);
      const x = rand([3, 5, 9], 12);
      const dz = rand([3, 4, 9], 13);
      expect(maxRel(regionMatMul(w as tf.Tensor3D, x as tf.Tensor3D), tf.matMul(w as tf.Tensor3D, x as tf.Tensor3D))).toBe(0);
      const refR = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p as tf.Tensor3D, q as tf.Tensor3D), dz)))([w, x]);
      const gotR = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(regionMatMul(p as tf.Tensor3D, q as tf.Tensor3D), dz)))([w, x]);
      for (let i = 0; i < 2; i++) expect(maxRel(gotR[i]!, refR[i]!)).toBeLessThan(1e-6);
      tf.dispose([a, m, dy, w, x, dz, ...ref, ...got, ...refR, ...gotR]);
    });
  });
}
