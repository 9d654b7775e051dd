import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedLeakyRelu } from '../layers/fused-leaky-relu.js';
import { plainMatMul, regionMatMul, regionMatMulNT } from '../layers/plain-matmul.js';
import { BACKENDS, centralDiff, rand, useBackend } from './test-helpers.js';

type Fn = (ts: tf.Tensor[]) => tf.Tensor;

interface OpCase {
  name: string;
  /** Inputs; the gradient inside the penalty is taken with respect to the first. */
  inputs: () => tf.Tensor[];
  op: Fn;
  /** Only differentiate the penalty with respect to these inputs (default: all). */
  wrt?: number[];
}

const EXPLICIT: number[][] = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];
const pos = (shape: number[], seed: number) => rand(shape, seed, 0.5, 1.5);

const CASES: OpCase[] = [
  { name: 'conv2d stride 1 explicit pad', inputs: () => [rand([1, 5, 5, 2], 1), rand([3, 3, 2, 3], 2)],
    op: ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, EXPLICIT as never) },
  { name: 'conv2d stride 2 same', inputs: () => [rand([1, 6, 6, 2], 3), rand([4, 4, 2, 2], 4)],
    op: ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same') },
  { name: 'conv2dTranspose stride 2 valid', inputs: () => [rand([1, 3, 3, 2], 5), rand([3, 3, 2, 2], 6)],
    op: ([x, w]) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 7, 7, 2], 2, 'valid') },
  { name: 'depthwiseConv2d 4×4 stride 2 explicit pad', inputs: () => [rand([1, 6, 6, 2], 7), rand([4, 4, 2, 1], 8)],
    op: ([x, w]) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, EXPLICIT as never) },
  { name: 'depthwiseConv2d 3×3 stride 1 same m2', inputs: () => [rand([1, 5, 5, 2], 9), rand([3, 3, 2, 2], 10)],
    op: ([x, w]) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') },
  { name: 'leakyRelu 0.2', inputs: () => [rand([3, 4], 11)], op: ([x]) => tf.mul(tf.leakyRelu(x!, 0.2), x!) },
  { name: 'add', inputs: () => [rand([3, 4], 12), rand([4], 13)], op: ([x, b]) => tf.add(x!, b!) },
  { name: 'mul', inputs: () => [rand([3, 4], 14), rand([3, 4], 15)], op: ([x, b]) => tf.mul(x!, b!) },
  { name: 'sub', inputs: () => [rand([3, 4], 16), rand([3, 1], 17)], op: ([x, b]) => tf.sub(x!, b!) },
  { name: 'div', inputs: () => [rand([3, 4], 18), pos([3, 4], 19)], op: ([x, b]) => tf.div(x!, b!) },
  { name: 'matMul', inputs: () => [rand([3, 4], 20), rand([4, 2], 21)], op: ([x, b]) => tf.matMul(x as tf.Tensor2D, b as tf.Tensor2D) },
  { name: 'avgPool 2×2 stride 2 valid', inputs: () => [rand([1, 4, 4, 2], 22)],
    op: ([x]) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
  { name: 'sqrt', inputs: () => [pos([3, 4], 23)], op: ([x]) => tf.sqrt(x!) },
  { name: 'rsqrt', inputs: () => [pos([3, 4], 24)], op: ([x]) => tf.rsqrt(x!) },
  { name: 'mean', inputs: () => [rand([3, 4], 25)], op: ([x]) => tf.mul(tf.mean(x!, 1, true), x!) },
  { name: 'sum', inputs: () => [rand([3, 4], 26)], op: ([x]) => tf.mul(tf.sum(x!, 0), x!) },
  { name: 'square', inputs: () => [rand([3, 4], 27)], op: ([x]) => tf.square(x!) },
  { name: 'reshape', inputs: () => [rand([3, 4], 28)], op: ([x]) => tf.reshape(x!, [2, 6]) },
  { name: 'transpose', inputs: () => [rand([3, 4], 29)], op: ([x]) => tf.transpose(x!) },
  { name: 'concat', inputs: () => [rand([3, 4], 30), rand([3, 2], 31)], op: ([x, b]) => tf.concat([x!, b!], 1) },
  { name: 'slice', inputs: () => [rand([3, 4], 32)], op: ([x]) => tf.slice(x!, [1, 1], [2, 2]) },
  { name: 'tile', inputs: () => [rand([2, 3], 33)], op: ([x]) => tf.tile(x!, [2, 2]) },
  { name: 'pad', inputs: () => [rand([2, 3], 34)], op: ([x]) => tf.pad(x!, [[1, 0], [2, 1]], 0) },
  { name: 'softmax', inputs: () => [rand([3, 4], 35)], op: ([x]) => tf.softmax(x!) },
  { name: 'exp', inputs: () => [rand([3, 4], 36)], op: ([x]) => tf.exp(x!) },
  { name: 'log', inputs: () => [pos([3, 4], 37)], op: ([x]) => tf.log(x!) },
  { name: 'softplus', inputs: () => [rand([3, 4], 38)], op: ([x]) => tf.softplus(x!) },
  { name: 'gather', inputs: () => [rand([4, 3], 39)], op: ([x]) => tf.gather(x!, tf.tensor1d([2, 0, 3, 2], 'int32')) },
  { name: 'moments variance', inputs: () => [rand([3, 4], 40)], op: ([x]) => tf.mul(tf.moments(x!, 0).variance, x!) },
  { name: 'maximum', inputs: () => [rand([3, 4], 41), rand([3, 4], 42)], op: ([x, b]) => tf.maximum(x!, b!) },
  { name: 'minimum', inputs: () => [rand([3, 4], 43), rand([3, 4], 44)], op: ([x, b]) => tf.minimum(x!, b!) },
  { name: 'prelu', inputs: () => [rand([3, 4], 45), rand([4], 46, 0.1, 0.3)], op: ([x, a]) => tf.prelu(x!, a!) },
  { name: 'relu', inputs: () => [rand([3, 4], 47)], op: ([x]) => tf.mul(tf.relu(x!), x!) },
  { name: 'abs', inputs: () => [rand([3, 4], 48)], op: ([x]) => tf.mul(tf.abs(x!), x!) },
  { name: 'clipByValue', inputs: () => [rand([3, 4], 49)], op: ([x]) => tf.mul(tf.clipByValue(x!, -0.5, 0.5), x!) },
  { name: 'sigmoid', inputs: () => [rand([3, 4], 51)], op: ([x]) => tf.sigmoid(x!) },
  { name: 'tanh', inputs: () => [rand([3, 4], 52)], op: ([x]) => tf.tanh(x!) },
  { name: 'pow', inputs: () => [pos([3, 4], 53), rand([3, 4], 54, 1.5, 2.5)], op: ([x, b]) => tf.pow(x!, b!) },
  // semstyle's custom-gradient training ops (their gradients must themselves be differentiable).
  { name: 'fusedLeakyRelu (custom gradient)', inputs: () => [rand([3, 4], 55), rand([4], 56)],
    op: ([x, b]) => tf.mul(fusedLeakyRelu(x!, b!), x!) },
  { name: 'plainMatMul (custom gradient)', inputs: () => [rand([3, 4], 57), rand([4, 2], 58)],
    op: ([x, b]) => plainMatMul(x as tf.Tensor2D, b as tf.Tensor2D) },
  { name: 'regionMatMul (custom gradient)', inputs: () => [rand([2, 3, 4], 59), rand([2, 4, 5], 60)],
    op: ([w, x]) => regionMatMul(w as tf.Tensor3D, x as tf.Tensor3D) },
  { name: 'regionMatMul, SIMD shapes (custom gradient)', inputs: () => [rand([2, 5, 4], 61), rand([2, 4, 16], 62)],
    op: ([w, x]) => regionMatMul(w as tf.Tensor3D, x as tf.Tensor3D) },
  { name: 'regionMatMulNT (custom gradient)', inputs: () => [rand([2, 3, 8], 63), rand([2, 4, 8], 64)],
    op: ([a, b]) => regionMatMulNT(a as tf.Tensor3D, b as tf.Tensor3D) },
  // halfPixelCenters=false: tfjs' own (first-order) ResizeBilinearGrad ignores halfPixelCenters.
  { name: 'resizeBilinear', inputs: () => [rand([1, 3, 3, 2], 50)],
    op: ([x]) => tf.image.resizeBilinear(x as tf.Tensor4D, [6, 6], false, false) },
];

/** f(x, …) = Σ r ⊙ op(x, …)²; penalty = Σ (∂f/∂x)², a function of every input. */
function penaltyOf(c: OpCase): (ts: tf.Tensor[]) => tf.Scalar {
  return (ts) => {
    const [x, ...rest] = ts;
    const gradX = tf.grad((xx: tf.Tensor) => {
      const y = c.op([xx, ...rest]);
      const r = rand(y.shape, 1234);
      return tf.sum(tf.mul(r, tf.square(y)));
    })(x!);
    return tf.sum(tf.square(gradX)) as tf.Scalar;
  };
}

/** Indices that stay away from kinks (|v| > 0.05) for piecewise-linear ops. */
function probeIndices(t: tf.Tensor): number[] {
  const v = t.dataSync();
  const picks: number[] = [];
  for (const start of [0, Math.floor(v.length / 3), Math.floor((2 * v.length) / 3), v.length - 1]) {
    for (let i = start; i < v.length; i++) {
      if (Math.abs(v[i]!) > 0.05 && !picks.includes(i)) {
        picks.push(i);
        break;
      }
    }
  }
  return picks;
}

for (const backendName of BACKENDS) {
  describe(`second-order gradients on ${backendName}`, () => {
    beforeAll(async () => {
      await useBackend(backendName);
    });

    for (const c of CASES) {
      it(`${c.name}: ∇ Σ(∇f)² matches central differences`, () => {
        const inputs = c.inputs();
        const penalty = penaltyOf(c);
        const wrt = c.wrt ?? inputs.map((_, i) => i);
        const before = tf.memory().numTensors;
        const grads = tf.tidy(() => tf.grads((...ts: tf.Tensor[]) => penalty(ts))(inputs));
        expect(tf.memory().numTensors - before).toBe(grads.length);
        for (const which of wrt) {
          const g = grads[which]!;
          expect(g.shape).toEqual(inputs[which]!.shape);
          const gv = g.dataSync();
          const scale = Math.max(1, ...Array.from(gv, Math.abs));
          for (const idx of probeIndices(inputs[which]!)) {
            const fd = centralDiff(penalty, inputs, which, idx, 1e-2);
            expect(Math.abs(fd - gv[idx]!), `input ${which} [${idx}]: fd ${fd} vs ${gv[idx]}`).toBeLessThan(
              2e-2 * Math.abs(fd) + 2e-3 * scale,
            );
          }
        }
        tf.dispose([...inputs, ...grads]);
      });
    }
  });
}
