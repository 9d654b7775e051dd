/**
 * semstyle's wasm replacements of data-movement kernels (Slice, Unpack, SplitV: read in place; Identity and
 * same-dtype Cast: share the data) against the stock kernels they replace: identical outputs, no copies,
 * no leaked data.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { stockKernel } from './register.js';
import { rand, useBackend } from './test-helpers.js';

/** Runs the stock wasm kernel and returns a tensor the caller owns. */
function stock(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor[] {
  const config = stockKernel(name, 'wasm');
  if (config === undefined) throw new Error(`no stock wasm ${name}`);
  const out = config.kernelFunc({ inputs: inputs as unknown as tf.NamedTensorInfoMap, backend: tf.backend(), attrs: attrs as tf.NamedAttrMap });
  return (Array.isArray(out) ? out : [out]).map((info) => tf.engine().makeTensorFromTensorInfo(info));
}

function same(a: tf.Tensor, b: tf.Tensor): void {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
}

/** Deterministic boxes of every rank 1–6, with partial and full axes. */
function boxes(): Array<{ shape: number[]; begin: number[]; size: number[] }> {
  const out = [];
  let s = 7;
  const next = (m: number) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % m;
  };
  for (let i = 0; i < 60; i++) {
    const rank = 1 + (i % 6);
    const shape = Array.from({ length: rank }, () => 1 + next(5));
    const begin = shape.map((d) => next(d));
    const size = shape.map((d, j) => (i % 4 === 0 ? d - begin[j]! : 1 + next(d - begin[j]!)));
    out.push({ shape, begin, size });
  }
  out.push({ shape: [8, 32, 2, 32, 2, 13], begin: [0, 0, 0, 0, 0, 0], size: [8, 32, 1, 32, 1, 13] });
  out.push({ shape: [13, 16, 64], begin: [3, 0, 0], size: [1, 16, 64] });
  return out;
}

describe('wasm data-movement kernels', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('Slice equals the stock kernel (ranks 1–6, float32, int32, bool)', () => {
    for (const [i, { shape, begin, size }] of boxes().entries()) {
      const f = rand(shape, i + 1);
      for (const x of [f, tf.cast(tf.mul(f, 100), 'int32'), tf.greater(f, 0)]) {
        const ours = tf.slice(x, begin, size);
        const [ref] = stock('Slice', { x }, { begin, size });
        same(ours, ref!);
        tf.dispose([x, ours, ref!]);
      }
    }
  });

  it('Unpack and SplitV equal the stock kernels on every axis', () => {
    const x = rand([3, 4, 5, 2], 9);
    for (let axis = 0; axis < 4; axis++) {
      const ours = tf.unstack(x, axis);
      const ref = stock('Unpack', { value: x }, { axis });
      ours.forEach((t, i) => same(t, ref[i]!));
      const sizes = [1, x.shape[axis]! - 1];
      const splits = tf.split(x, sizes, axis);
      const refSplits = stock('SplitV', { x }, { numOrSizeSplits: sizes, axis });
      splits.forEach((t, i) => same(t, refSplits[i]!));
      tf.dispose([...ours, ...ref, ...splits, ...refSplits]);
    }
    x.dispose();
  });

  it('string tensors still slice (stock fallback)', () => {
    const x = tf.tensor2d([['a', 'b'], ['c', 'd']]);
    const s = tf.slice(x, [1, 0], [1, 2]);
    expect(s.arraySync()).toEqual([['c', 'd']]);
    tf.dispose([x, s]);
  });

  it('Identity and same-dtype Cast share the data; other casts convert; nothing leaks', () => {
    const x = rand([64, 64], 3);
    const dataIds = tf.engine().backend.numDataIds();
    const c = tf.clone(x);
    const f = tf.cast(x, 'float32');
    expect(tf.engine().backend.numDataIds()).toBe(dataIds); // no new buffers
    same(c, x);
    same(f, x);
    const i = tf.tidy(() => tf.cast(tf.mul(x, 10), 'int32'));
    expect(Array.from(i.dataSync()).slice(0, 5)).toEqual(Array.from(x.dataSync()).slice(0, 5).map((v) => Math.trunc(v * 10)));
    tf.dispose([c, f, i]);
    expect(Array.from(x.dataSync()).length).toBe(4096); // still readable after the shares are gone
    x.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(dataIds - 1);
  });

  it('a variable assigned a clone keeps its value when the clone is disposed', () => {
    const v = tf.variable(tf.zeros([3]));
    const t = tf.tensor1d([1, 2, 3]);
    const c = tf.clone(t);
    v.assign(c);
    tf.dispose([c, t]);
    expect(Array.from(v.dataSync())).toEqual([1, 2, 3]);
    v.dispose();
  });
});
