/**
 * The fused bias + leaky-ReLU kernels on wasm against the op chains they replace (Add, Prelu, Multiply;
 * Multiply, Step, Multiply): bit-identical values, first- and second-order gradients, no leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fusedLeakyRelu } from '../layers/fused-leaky-relu.js';
import { BIAS_LEAKY_RELU, biasBlock, LEAKY_RELU_GRAD } from './wasm-bias-leaky-relu.js';
import { simdLeakyRelu } from './wasm-simd-leaky-relu.js';
import { expectNoLeaks, rand, useBackend } from './test-helpers.js';

const SLOPE = 0.2;
const GAIN = Math.SQRT2;

function run(name: string, inputs: Record<string, tf.Tensor>): tf.Tensor {
  return tf.engine().runKernel(name, inputs, { slope: SLOPE, gain: GAIN } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function bits(t: tf.Tensor): number[] {
  return Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
}

/** Inputs with exact zeros and ties mixed in (the comparisons' edge cases). */
function input(shape: number[], seed: number): tf.Tensor {
  return tf.tidy(() => {
    const x = rand(shape, seed, -2, 2);
    const mask = tf.greater(rand(shape, seed + 1), 0.8);
    return tf.where(mask, tf.zerosLike(x), x);
  });
}

/** The stock chain of the fused op (what `fusedLeakyRelu` computed before these kernels). */
function chain(x: tf.Tensor, bias: tf.Tensor | undefined): tf.Tensor {
  const v = bias === undefined ? x : tf.add(x, bias);
  return tf.mul(tf.prelu(v, tf.scalar(SLOPE)), GAIN);
}

/** SIMD `cols` (bias along a last axis of 4k), SIMD `rows` (runs of 4k per bias value), JS fallbacks. */
const CASES: Array<{ x: number[]; bias?: number[] }> = [
  { x: [2, 5, 6, 8], bias: [8] }, // NHWC, bias on channels: SIMD cols
  { x: [3, 4, 2, 8], bias: [3, 4, 1, 1] }, // channel-major [K, C, N, P], per-(region, channel) bias: SIMD rows
  { x: [4, 9] }, // no bias: SIMD rows over all 36 values
  { x: [3, 4, 2, 7], bias: [3, 4, 1, 1] }, // runs of 14: JavaScript loop
  { x: [5, 3, 6], bias: [1, 3, 1] }, // 90 values: SIMD gradient on 88, the last 2 in JavaScript
  { x: [2, 3, 5], bias: [5] }, // 5 channels: JavaScript loop
];

describe('fused bias + leaky ReLU kernels on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('assembles and instantiates the SIMD module on the backend heap', () => {
    const wasm = (tf.backend() as unknown as { wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } } }).wasm;
    const memory = wasm.wasmMemory ?? wasm.asm?.memory;
    expect(memory).toBeDefined();
    expect(simdLeakyRelu(memory!)).not.toBeNull();
  });

  it('biasBlock finds the contiguous block a bias indexes, or refuses', () => {
    expect(biasBlock([2, 5, 6, 8], [8])).toEqual({ outer: 60, block: 8, inner: 1 });
    expect(biasBlock([3, 4, 2, 7], [3, 4, 1, 1])).toEqual({ outer: 1, block: 12, inner: 14 });
    expect(biasBlock([4, 9], [])).toEqual({ outer: 1, block: 1, inner: 36 });
    expect(biasBlock([3, 4, 2], [3, 1, 2])).toBeUndefined(); // not contiguous
    expect(biasBlock([3, 4], [2, 3, 4])).toBeUndefined();
  });

  for (const c of CASES) {
    it(`forward and gradient kernels equal the op chains bit for bit, x [${c.x}] bias [${c.bias ?? '-'}]`, () => {
      const x = input(c.x, 3);
      const bias = c.bias === undefined ? undefined : rand(c.bias, 4);
      const ours = run(BIAS_LEAKY_RELU, bias === undefined ? { x } : { x, bias });
      const ref = chain(x, bias);
      expect(bits(ours)).toEqual(bits(ref));
      const v = bias === undefined ? x : tf.add(x, bias);
      const dy = rand(c.x, 5);
      const dv = run(LEAKY_RELU_GRAD, { dy, v });
      const dvRef = tf.mul(tf.mul(dy, GAIN), tf.step(v, SLOPE));
      expect(bits(dv)).toEqual(bits(dvRef));
      tf.dispose([x, ours, ref, v, dy, dv, dvRef, ...(bias ? [bias] : [])]);
    });
  }

  it('fusedLeakyRelu: first- and second-order gradients equal the unfused chain bit for bit', () => {
    const x = input([2, 4, 4, 6], 11);
    const bias = rand([6], 12);
    const w = rand([2, 4, 4, 6], 13);
    // Second order as in R1: the gradient of Σ(∂L/∂x)² with respect to x and the bias.
    const secondOrder = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.square(f(xx, b)), w)))(a);
        return tf.sum(tf.square(gx));
      })([x, bias]);
    const firstOrder = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.square(f(a, b)), w)))([x, bias]);
    const fused = (a: tf.Tensor, b: tf.Tensor) => fusedLeakyRelu(a, b, SLOPE, GAIN);
    // The same custom gradient with the unfused chain: a backend check makes fusedLeakyRelu take it on cpu,
    // so build the reference from the chain and Step directly.
    const unfused = (a: tf.Tensor, b: tf.Tensor) => {
      const op = tf.customGrad((p: tf.Tensor | tf.GradSaveFunc, q: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
        (save as tf.GradSaveFunc)([p as tf.Tensor, q as tf.Tensor]);
        return {
          value: chain(p as tf.Tensor, q as tf.Tensor),
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
            const dv = tf.mul(tf.mul(dy, GAIN), tf.step(tf.add(saved[0]!, saved[1]!), SLOPE));
            return [dv, tf.sum(dv, [0, 1, 2])];
          },
        };
      });
      return op(a, b);
    };
    for (const order of [firstOrder, secondOrder]) {
      const [gx, gb] = order(fused);
      const [rx, rb] = order(unfused);
      expect(bits(gx!)).toEqual(bits(rx!));
      expect(bits(gb!)).toEqual(bits(rb!));
      tf.dispose([gx!, gb!, rx!, rb!]);
    }
    tf.dispose([x, bias, w]);
  });

  it('leaves no tensors or heap data behind', () => {
    const x = input([2, 3, 3, 4], 21);
    const bias = rand([4], 22);
    const path = () =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(fusedLeakyRelu(xx, b))))(a);
        return tf.sum(tf.square(gx));
      })([x, bias]);
    expectNoLeaks(path);
    tf.dispose([x, bias]);
  });
});
