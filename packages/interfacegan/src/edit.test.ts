import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LatentSpaceError, type LatentLayout, type WLatent, type WPlusLatent, type ZLatent } from '@semstyle/core';
import { leakedTensors } from '@semstyle/core/testing';
import { makeDirection } from './direction.js';
import { edit, liftToWPlus, linspace, signedDistance, sweep } from './edit.js';
import { expectCode, useWasm } from './test-support/setup.js';

beforeAll(useWasm);

const layout: LatentLayout = { styleDim: 2, baseLayers: 1, regionNames: ['background', 'mouth'], nLatent: 5 };
const w = (rows: number[][]): WLatent => ({ space: 'w', tensor: tf.tensor2d(rows) });
const rowsOf = (l: { tensor: tf.Tensor }) => l.tensor.arraySync() as number[][];

describe('edit modes', () => {
  // Hyperplane x₁ = 1: n = (1, 0), offset −1, so d(x) = x₁ − 1.
  const d = makeDirection('w', [1, 0], { offset: -1, attribute: 'toy' });

  it('absolute moves every latent by strength along n; relative moves it to signed distance = strength', () => {
    const x = w([[3, 5], [-1, 2]]);
    expect(Array.from(signedDistance(x, d))).toEqual([2, -2]);
    const abs = edit(x, d, 2);
    expect(rowsOf(abs)).toEqual([[5, 5], [1, 2]]);
    expect(Array.from(signedDistance(abs, d))).toEqual([4, 0]); // both distances grew by 2
    const rel = edit(x, d, 2, { mode: 'relative' });
    expect(rowsOf(rel)).toEqual([[3, 5], [3, 2]]);
    expect(Array.from(signedDistance(rel, d))).toEqual([2, 2]); // both end at distance 2
    const onBoundary = edit(x, d, 0, { mode: 'relative' });
    expect(rowsOf(onBoundary)).toEqual([[1, 5], [1, 2]]);
    // Per-latent strengths.
    expect(rowsOf(edit(x, d, [1, -1]))).toEqual([[4, 5], [-2, 2]]);
    // Sweeps: one latent batch per strength, as InterFaceGAN's linear_interpolate.
    const steps = sweep(x, d, linspace(-2, 2, 3), { mode: 'relative' });
    expect(steps.map((l) => Array.from(signedDistance(l, d)))).toEqual([[-2, -2], [0, 0], [2, 2]]);
    expect(linspace(-3, 3, 7)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    tf.dispose([x.tensor, abs.tensor, rel.tensor, onBoundary.tensor, ...steps.map((l) => l.tensor)]);
  });

  it('W+: a direction on one slot moves that slot only; a W direction lifted to W+ edits like W on broadcast latents', () => {
    const normal = new Float32Array(10);
    normal[2 * 2 + 1] = 1; // slot 2 (background.texture), second value
    const dp = makeDirection('w+', normal, { layout, offset: 0.5 });
    const x: WPlusLatent = { space: 'w+', layout, tensor: tf.tensor3d([[[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]]) };
    const e = edit(x, dp, 1.5);
    expect(e.tensor.arraySync()).toEqual([[[1, 1], [2, 2], [3, 4.5], [4, 4], [5, 5]]]);
    expect(signedDistance(x, dp)[0]).toBeCloseTo(3.5, 6);
    const r = edit(x, dp, -1, { mode: 'relative' });
    expect(signedDistance(r, dp)[0]).toBeCloseTo(-1, 6);
    const dw = makeDirection('w', [0.6, 0.8], { offset: 0.3 });
    const lifted = liftToWPlus(dw, layout);
    const base = w([[1, 2]]);
    const bx: WPlusLatent = { space: 'w+', layout, tensor: tf.tile(tf.expandDims(base.tensor, 1), [1, 5, 1]) as tf.Tensor3D };
    expect(signedDistance(bx, lifted)[0]).toBeCloseTo(Math.sqrt(5) * signedDistance(base, dw)[0]!, 5);
    const mouthOnly = liftToWPlus(dw, layout, { regions: ['mouth'] });
    expect(mouthOnly.info.slots).toEqual([3, 4]);
    const em = edit(bx, mouthOnly, 1);
    const diff = tf.tidy(() => tf.sub(em.tensor, bx.tensor).arraySync()) as number[][][];
    expect(diff[0]!.slice(0, 3).flat().every((v) => v === 0)).toBe(true);
    expect(diff[0]![3]![0]).toBeCloseTo(0.6 / Math.SQRT2, 6);
    tf.dispose([x.tensor, e.tensor, r.tensor, base.tensor, bx.tensor, em.tensor]);
  });

  it('space and layout mismatches are typed errors (compile time and run time)', () => {
    const dW = makeDirection('w', [1, 0]);
    const dWp = makeDirection('w+', new Float32Array(10).fill(1), { layout });
    const x = w([[1, 2]]);
    const z: ZLatent = { space: 'z', tensor: tf.tensor2d([[1, 2]]) };
    const xp: WPlusLatent = { space: 'w+', layout, tensor: tf.zeros([1, 5, 2]) as tf.Tensor3D };
    // @ts-expect-error a W+ direction does not edit a W latent
    expectCode(() => edit(x, dWp, 1), 'E_LATENT_SPACE', LatentSpaceError);
    // @ts-expect-error a W direction does not edit a W+ latent
    expectCode(() => edit(xp, dW, 1), 'E_LATENT_SPACE', LatentSpaceError);
    // @ts-expect-error a W direction does not edit a Z latent
    expectCode(() => signedDistance(z, dW), 'E_LATENT_SPACE', LatentSpaceError);
    // A direction for another layout: other region names, other slot count, other width.
    const other: LatentLayout = { ...layout, regionNames: ['background', 'hair'] };
    expectCode(() => edit({ ...xp, layout: other }, dWp, 1), 'E_SHAPE');
    const bigger: LatentLayout = { styleDim: 2, baseLayers: 1, regionNames: ['background', 'mouth', 'hair'], nLatent: 7 };
    const xb: WPlusLatent = { space: 'w+', layout: bigger, tensor: tf.zeros([1, 7, 2]) as tf.Tensor3D };
    expectCode(() => edit(xb, dWp, 1), 'E_SHAPE');
    expectCode(() => edit(w([[1, 2, 3]]), dW, 1), 'E_SHAPE');
    expectCode(() => edit(x, dW, Number.NaN), 'E_INVALID_ARGUMENT');
    expectCode(() => edit(x, dW, [1, 2]), 'E_SHAPE');
    expectCode(() => liftToWPlus(dW, { ...layout, styleDim: 3, nLatent: 5 }), 'E_SHAPE');
    tf.dispose([x.tensor, z.tensor, xp.tensor, xb.tensor]);
  });

  it('leaks nothing: edit / sweep return only their results; signedDistance returns none; errors clean up', async () => {
    const d = makeDirection('w', [1, 0], { offset: -1 });
    const x = w([[3, 5], [-1, 2]]);
    expect(await leakedTensors(() => edit(x, d, 1, { mode: 'relative' }).tensor.dispose())).toBe(0);
    expect(await leakedTensors(() => tf.dispose(sweep(x, d, [-1, 0, 1]).map((l) => l.tensor)))).toBe(0);
    expect(await leakedTensors(() => signedDistance(x, d))).toBe(0);
    expect(await leakedTensors(() => { try { edit(x, d, [1]); } catch { /* expected */ } })).toBe(0);
    x.tensor.dispose();
  });
});
