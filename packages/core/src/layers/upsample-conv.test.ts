import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, rand, useBackend } from '../kernels/test-helpers.js';
import { makeFirKernel } from './fir-kernel.js';
import { fixedStyledConv, referenceUpsampleConv } from './fixed-styled-conv.js';
import { upfirdn2d } from './upfirdn2d.js';
import { upsampleConv, upsampleConvGeometry } from './upsample-conv.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}
function maxAbs(a: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]!);
}

for (const backend of BACKENDS) {
  describe(`phase-decomposed transposed conv on ${backend}`, () => {
    beforeAll(async () => {
      await useBackend(backend);
    });

    for (const [h, w, k, ci, co] of [
      [4, 4, 3, 3, 5],
      [5, 3, 3, 4, 2],
      [3, 4, 4, 2, 3],
      [6, 6, 2, 3, 3],
      [2, 2, 5, 2, 2],
    ] as const) {
      it(`matches conv2dTranspose: x [2,${h},${w},${ci}], k ${k}, out ${co}`, () => {
        const x = rand([2, h, w, ci], 1) as tf.Tensor4D;
        const wt = rand([k, k, ci, co], 2) as tf.Tensor4D;
        const ref = referenceUpsampleConv(x, wt);
        const fast = upsampleConv(x, wt);
        const gh = upsampleConvGeometry(h, k);
        const gw = upsampleConvGeometry(w, k);
        expect(fast.shape).toEqual([2, 2 * gh.half, 2 * gw.half, co]);
        const core = tf.slice(fast, [0, 0, 0, 0], ref.shape);
        expect(maxAbsDiff(core, ref)).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(ref)));
        // The margin past the true transposed output is exactly zero.
        const margin = tf.tidy(() => tf.sum(tf.abs(fast)).sub(tf.sum(tf.abs(core))));
        expect(margin.dataSync()[0]).toBe(0);
        tf.dispose([x, wt, ref, fast, core, margin]);
      });
    }

    it('gradients match the conv2dTranspose path (x and weight)', () => {
      const x = rand([1, 4, 5, 3], 3) as tf.Tensor4D;
      const wt = rand([3, 3, 3, 4], 4) as tf.Tensor4D;
      const probe = rand([1, 10, 12, 4], 5);
      const lossFast = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(upsampleConv(a as tf.Tensor4D, b as tf.Tensor4D), probe));
      const lossRef = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.pad(referenceUpsampleConv(a as tf.Tensor4D, b as tf.Tensor4D), [[0, 0], [0, 1], [0, 1], [0, 0]]), probe));
      const [gxF, gwF] = tf.grads(lossFast)([x, wt]);
      const [gxR, gwR] = tf.grads(lossRef)([x, wt]);
      expect(maxAbsDiff(gxF!, gxR!)).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(gwF!, gwR!)).toBeLessThanOrEqual(1e-4);
      tf.dispose([x, wt, probe, gxF, gwF, gxR, gwR]);
    });

    it('weight gradient matches central finite differences', () => {
      const x = rand([1, 3, 3, 2], 6) as tf.Tensor4D;
      const wv = rand([3, 3, 2, 2], 7).dataSync() as Float32Array;
      const probe = rand([1, 8, 8, 2], 8);
      const loss = (wArr: Float32Array) =>
        tf.tidy(() => tf.sum(tf.mul(upsampleConv(x, tf.tensor4d(wArr, [3, 3, 2, 2])), probe)).dataSync()[0]!);
      const g = tf.tidy(() => tf.grad((b: tf.Tensor) => tf.sum(tf.mul(upsampleConv(x, b as tf.Tensor4D), probe)))(tf.tensor4d(wv, [3, 3, 2, 2])).dataSync());
      const eps = 1e-2;
      for (const i of [0, 5, 13, 22, 35]) {
        const plus = wv.slice();
        const minus = wv.slice();
        plus[i]! += eps;
        minus[i]! -= eps;
        const fd = (loss(plus) - loss(minus)) / (2 * eps);
        expect(Math.abs(fd - g[i]!)).toBeLessThanOrEqual(2e-3 * Math.max(1, Math.abs(fd)));
      }
      tf.dispose([x, probe]);
    });

    it('fixedStyledConv upsampling = conv2dTranspose + blur (the former path)', () => {
      const x = rand([2, 5, 5, 4], 9) as tf.Tensor4D;
      const params = {
        weight: rand([3, 3, 4, 6], 10) as tf.Tensor4D,
        modulation: rand([4], 11, 0.5, 1.5) as tf.Tensor1D,
        noiseStrength: tf.tensor1d([0.3]),
        activationBias: rand([6], 12) as tf.Tensor1D,
      };
      const noise = rand([1, 10, 10, 1], 13) as tf.Tensor4D;
      const kernel = makeFirKernel([1, 3, 3, 1], 2);
      const out = fixedStyledConv(x, params, { demodulate: true, upsample: { kernel, kernelSize: 4 }, noise });
      const ref = tf.tidy(() => {
        const [kh, , inC] = params.weight.shape;
        let wt = tf.mul(params.weight, tf.mul(tf.reshape(params.modulation, [1, 1, inC, 1]), 1 / Math.sqrt(inC * kh * kh)));
        wt = tf.mul(wt, tf.rsqrt(tf.add(tf.sum(tf.square(wt), [0, 1, 2], true), 1e-8)));
        const up = upfirdn2d(referenceUpsampleConv(x, wt as tf.Tensor4D), kernel, 4, { pad: [1, 1] });
        const z = tf.add(tf.add(up, tf.mul(noise, params.noiseStrength)), params.activationBias);
        return tf.mul(tf.leakyRelu(z, 0.2), Math.SQRT2);
      });
      expect(out.shape).toEqual([2, 10, 10, 6]);
      expect(maxAbsDiff(out, ref)).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(ref)));
      tf.dispose([x, params, noise, out, ref]);
    });

    it('leaks no tensors (forward and gradients)', () => {
      const x = rand([1, 4, 4, 2], 14) as tf.Tensor4D;
      const wt = rand([3, 3, 2, 3], 15) as tf.Tensor4D;
      const run = () => {
        tf.dispose(upsampleConv(x, wt));
        tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(upsampleConv(a as tf.Tensor4D, b as tf.Tensor4D))))([x, wt]));
      };
      run();
      const before = tf.memory().numTensors;
      const ids = tf.engine().backend.numDataIds();
      run();
      run();
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.engine().backend.numDataIds()).toBe(ids);
      tf.dispose([x, wt]);
    });
  });
}
