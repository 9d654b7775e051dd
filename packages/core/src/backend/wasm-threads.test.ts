/**
 * Two wasm threads in Node (runtime shims over tfjs 4.22.0): the threaded backend starts, really uses 2
 * threads, and gives the same outputs as the single-threaded one (bit for bit, or within 1e-6).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend, wasmThreadsInUse } from '../backend.js';
import '../kernels/register.js';
import { presetConfig } from '../config/presets.js';
import { SemanticStyleGAN } from '../model/semantic-stylegan.js';
import { rand } from '../kernels/test-helpers.js';

interface Outputs {
  readonly conv: Float32Array;
  readonly matmul: Float32Array;
  readonly image: Float32Array;
  readonly seg: Float32Array;
  readonly grad: Float32Array;
}

async function compute(): Promise<Outputs> {
  const x = rand([2, 24, 24, 32], 1) as tf.Tensor4D;
  const w = rand([3, 3, 32, 48], 2) as tf.Tensor4D;
  const conv = tf.conv2d(x, w, 1, 'same');
  const a = rand([300, 64], 3) as tf.Tensor2D;
  const b = rand([64, 96], 4) as tf.Tensor2D;
  const matmul = tf.matMul(a, b);
  const g = SemanticStyleGAN.random(presetConfig('tiny'), 3);
  const wp = g.sampleWPlus(2, 5);
  const out = g.synthesize(wp);
  const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.conv2d(t as tf.Tensor4D, w, 2, 'same'))))(x);
  const result: Outputs = {
    conv: (await conv.data()) as Float32Array,
    matmul: (await matmul.data()) as Float32Array,
    image: (await out.image.data()) as Float32Array,
    seg: (await out.seg.data()) as Float32Array,
    grad: (await grad.data()) as Float32Array,
  };
  tf.dispose([x, w, conv, a, b, matmul, wp.tensor, out, grad]);
  g.dispose();
  return result;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('wasm with 2 threads in Node', () => {
  afterAll(async () => {
    await initBackend('wasm', { threads: 1 });
  });

  it('starts 2 threads and matches the 1-thread outputs within 1e-6', async () => {
    await initBackend('wasm', { threads: 1 });
    expect(wasmThreadsInUse()).toBe(1);
    const single = await compute();

    const t0 = performance.now();
    expect(await initBackend('wasm', { threads: 2 })).toBe('wasm');
    const startMs = performance.now() - t0;
    expect(wasmThreadsInUse()).toBe(2);
    const threaded = await compute();
    const diffs = Object.fromEntries(
      (Object.keys(single) as Array<keyof Outputs>).map((k) => [k, maxDiff(single[k], threaded[k])]),
    );
    console.log(`wasm 2 threads: started in ${startMs.toFixed(0)} ms; max |1 thread − 2 threads|:`, diffs);
    for (const [name, d] of Object.entries(diffs)) expect(d, name).toBeLessThanOrEqual(1e-6);

    // Back to one thread: the stock build again.
    await initBackend('wasm', { threads: 1 });
    expect(wasmThreadsInUse()).toBe(1);
    const again = await compute();
    expect(maxDiff(single.image, again.image)).toBe(0);
  });

  it('starts a fresh wasm backend with the default thread count, and keeps a running one', async () => {
    const saved = process.env.SEMSTYLE_WASM_THREADS;
    const factory = tf.findBackendFactory('wasm')!;
    try {
      process.env.SEMSTYLE_WASM_THREADS = '2';
      // As in a new process: wasm registered but not started.
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', factory, 2);
      expect(await initBackend('wasm')).toBe('wasm');
      expect(wasmThreadsInUse()).toBe(2);
      // Already running: no restart, whatever the default says (tensors would be lost).
      process.env.SEMSTYLE_WASM_THREADS = '1';
      const kept = tf.tensor1d([1, 2, 3]);
      await initBackend('wasm');
      expect(wasmThreadsInUse()).toBe(2);
      expect(Array.from(await kept.data())).toEqual([1, 2, 3]);
      kept.dispose();
    } finally {
      if (saved === undefined) delete process.env.SEMSTYLE_WASM_THREADS;
      else process.env.SEMSTYLE_WASM_THREADS = saved;
    }
  });

  it('refuses a bad thread count', async () => {
    await expect(initBackend('wasm', { threads: 0 })).rejects.toThrow(/positive integer/);
  });
});
