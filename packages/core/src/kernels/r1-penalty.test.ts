import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, centralDiff, rand, useBackend } from './test-helpers.js';

/**
 * A small discriminator: conv 3×3 → leakyRelu → blur (depthwise 4×4, stride 2) → conv 3×3 stride 1 →
 * leakyRelu → avgPool 2×2 → linear head. params = [w1, b1, w2, head].
 */
const PAD1: number[][] = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];

function blurKernel(channels: number): tf.Tensor4D {
  const k1 = [1, 3, 3, 1];
  const vals: number[] = [];
  for (const a of k1) for (const b of k1) for (let c = 0; c < channels; c++) vals.push((a * b) / 64);
  return tf.tensor4d(vals, [4, 4, channels, 1]);
}

function preActivations(x: tf.Tensor4D, params: tf.Tensor[], blur: tf.Tensor4D): { pre1: tf.Tensor4D; pre2: tf.Tensor4D } {
  const [w1, b1, w2] = params as [tf.Tensor4D, tf.Tensor1D, tf.Tensor4D];
  const pre1 = tf.add(tf.conv2d(x, w1, 1, PAD1 as never), b1) as tf.Tensor4D;
  const blurred = tf.depthwiseConv2d(tf.leakyRelu(pre1, 0.2), blur, 2, PAD1 as never);
  const pre2 = tf.conv2d(blurred, w2, 1, 'same');
  return { pre1, pre2 };
}

function discriminator(x: tf.Tensor4D, params: tf.Tensor[], blur: tf.Tensor4D): tf.Tensor {
  const head = params[3] as tf.Tensor2D;
  const { pre2 } = preActivations(x, params, blur);
  const pooled = tf.avgPool(tf.leakyRelu(pre2, 0.2), 2, 2, 'valid');
  return tf.matMul(tf.reshape(pooled, [x.shape[0], -1]) as tf.Tensor2D, head);
}

/** R1: mean over the batch of Σ (∂D/∂x)². */
function r1(x: tf.Tensor4D, params: tf.Tensor[], blur: tf.Tensor4D): tf.Scalar {
  const gx = tf.grad((xx: tf.Tensor) => tf.sum(discriminator(xx as tf.Tensor4D, params, blur)))(x);
  return tf.mean(tf.sum(tf.square(gx), [1, 2, 3])) as tf.Scalar;
}

function activationSigns(x: tf.Tensor4D, params: tf.Tensor[], blur: tf.Tensor4D): string {
  return tf.tidy(() => {
    const { pre1, pre2 } = preActivations(x, params, blur);
    return [...pre1.dataSync(), ...pre2.dataSync()].map((v) => (v > 0 ? '1' : '0')).join('');
  });
}

const results = new Map<string, Float32Array[]>();

for (const backendName of BACKENDS) {
  describe(`R1 penalty double backprop on ${backendName}`, () => {
    beforeAll(async () => {
      await useBackend(backendName);
    });

    it('∂R1/∂weights matches central differences of R1', () => {
      const x = rand([2, 8, 8, 3], 101) as tf.Tensor4D;
      const blur = blurKernel(4);
      const params = [
        tf.mul(rand([3, 3, 3, 4], 102), 0.5),
        tf.mul(rand([4], 103), 0.1),
        tf.mul(rand([3, 3, 4, 4], 104), 0.5),
        rand([16, 1], 105),
      ];
      const before = tf.memory().numTensors;
      const grads = tf.grads((...ps: tf.Tensor[]) => r1(x, ps, blur))(params);
      expect(tf.memory().numTensors - before).toBe(grads.length);
      results.set(backendName, grads.map((g) => g.dataSync() as Float32Array));
      const penalty = (ps: tf.Tensor[]) => r1(x, ps, blur);
      const signs = activationSigns(x, params, blur);
      // (R1 does not depend on the bias b1 between sign changes, so its gradient is exactly 0 there.)
      for (const which of [0, 1, 2, 3]) {
        const gv = grads[which]!.dataSync();
        const scale = Math.max(...Array.from(gv, Math.abs));
        const step = Math.max(1, Math.floor(gv.length / 7));
        let checked = 0;
        for (let idx = 0; idx < gv.length && checked < 3; idx += step) {
          // R1 is quadratic in one weight while no pre-activation changes sign: use a step that flips none.
          const flips = (delta: number) => {
            const v = params[which]!.dataSync().slice();
            v[idx] = v[idx]! + delta;
            const p = tf.tensor(v, params[which]!.shape);
            const s = activationSigns(x, params.map((q, i) => (i === which ? p : q)), blur);
            p.dispose();
            return s !== signs;
          };
          const h = [1e-2, 3e-3, 1e-3].find((c) => !flips(c) && !flips(-c));
          if (h === undefined) continue;
          const fd = centralDiff(penalty, params, which, idx, h);
          expect(Math.abs(fd - gv[idx]!), `param ${which}[${idx}] h ${h}: fd ${fd} vs ${gv[idx]}`).toBeLessThan(
            1e-2 * Math.abs(fd) + 1e-3 * scale + 1e-6,
          );
          checked++;
        }
        expect(checked, `param ${which}: probes without sign changes`).toBeGreaterThan(0);
      }
      tf.dispose([x, blur, ...params, ...grads]);
    });

    if (backendName === BACKENDS[BACKENDS.length - 1]) {
      it('gives the same gradients on every backend', () => {
        const [first, ...rest] = BACKENDS.map((b) => results.get(b));
        for (const other of rest) {
          first!.forEach((g, i) => {
            const o = other![i]!;
            const scale = Math.max(1e-6, ...Array.from(g, Math.abs));
            let err = 0;
            for (let k = 0; k < g.length; k++) err = Math.max(err, Math.abs(g[k]! - o[k]!));
            expect(err / scale).toBeLessThan(1e-4);
          });
        }
      });
    }
  });
}
