import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, InputError, SemstyleError } from '@semstyle/core';
import { leakedTensors } from '@semstyle/core/testing';
import { SolverStepLimitError } from '../errors.js';
import { dopri5 } from './dopri5.js';
import { odeint } from './odeint.js';
import { rk4 } from './rk4.js';
import type { OdeFunction } from './types.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const growth: OdeFunction = (_t, [y]) => [tf.mul(y!, 1.5)];
/** y'' = −ω² y as a rotation: d[x, v]/dt = [[0, 1], [−ω², 0]] [x, v] (+ a slow decay). */
const rotation = (omega: number, decay: number): OdeFunction => (_t, [y]) => {
  const m = tf.tensor2d([[-decay, -omega], [omega, -decay]]); // row-vector convention y · Mᵀ
  return [tf.matMul(y!, m)];
};
const linearInT: OdeFunction = (t, [y]) => [tf.fill(y!.shape, t)];

function value(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

describe('dopri5 on ODEs with known solutions', () => {
  it('exponential growth y′ = 1.5y: error within tolerance, fewer steps for looser rtol/atol', () => {
    const y0 = tf.tensor1d([1, -2]);
    const exact = [Math.exp(1.5 * 2), -2 * Math.exp(1.5 * 2)];
    const steps: number[] = [];
    for (const tol of [1e-3, 1e-5, 1e-7]) {
      const { y, stats } = dopri5(growth, [y0], 0, 2, { rtol: tol, atol: tol });
      const got = value(y[0]!);
      const rel = Math.max(...got.map((g, i) => Math.abs(g - exact[i]!) / Math.abs(exact[i]!)));
      expect(rel).toBeLessThan(Math.max(50 * tol, 2e-6)); // float32 floor ~1e-6
      steps.push(stats.steps);
      expect(stats.nfe).toBeGreaterThanOrEqual(6 * stats.steps);
      tf.dispose(y);
    }
    expect(steps[0]!).toBeLessThan(steps[1]!);
    expect(steps[1]!).toBeLessThan(steps[2]!);
    y0.dispose();
  });

  it('a damped rotation: matches e^{tA} y0 after two turns, forwards and backwards', () => {
    const omega = 2;
    const decay = 0.1;
    const T = 2 * Math.PI;
    const y0 = tf.tensor2d([[1, 0], [0.3, -0.5]]);
    const { y } = dopri5(rotation(omega, decay), [y0], 0, T, { rtol: 1e-6, atol: 1e-6 });
    const got = value(y[0]!);
    const e = Math.exp(-decay * T);
    const c = Math.cos(omega * T);
    const s = Math.sin(omega * T);
    const exact = [[1, 0], [0.3, -0.5]].flatMap(([a, b]) => [e * (c * a! - s * b!), e * (s * a! + c * b!)]);
    for (let i = 0; i < 4; i++) expect(Math.abs(got[i]! - exact[i]!)).toBeLessThan(2e-5);
    const back = dopri5(rotation(omega, decay), y, T, 0, { rtol: 1e-6, atol: 1e-6 });
    const y0back = value(back.y[0]!);
    [1, 0, 0.3, -0.5].forEach((v, i) => expect(Math.abs(y0back[i]! - v)).toBeLessThan(5e-5));
    tf.dispose([y0, y, back.y]);
  });

  it('y′ = t is integrated exactly (t²/2): zero error estimate, steps only grow (×10 each) from the first step', () => {
    const y0 = tf.zeros([3]);
    // From y0 = 0 the starting heuristic picks 1e-6; every step is exact, so the step grows 10× each time.
    const { y, stats } = dopri5(linearInT, [y0], 0, 3);
    value(y[0]!).forEach((v) => expect(v).toBeCloseTo(4.5, 5));
    expect(stats.steps).toBeLessThanOrEqual(8);
    expect(stats.rejected).toBe(0);
    const one = dopri5(linearInT, [y0], 0, 3, { firstStep: 3 });
    expect(one.stats.steps).toBe(1);
    value(one.y[0]!).forEach((v) => expect(v).toBeCloseTo(4.5, 5));
    tf.dispose([y0, y, one.y]);
  });

  it('multi-tensor states are solved together', () => {
    const f: OdeFunction = (t, [a, b]) => [tf.mul(a!, 1.5), tf.fill(b!.shape, t)];
    const { y } = dopri5(f, [tf.ones([2]), tf.zeros([1])], 0, 1);
    expect(value(y[0]!)[0]).toBeCloseTo(Math.exp(1.5), 4);
    expect(value(y[1]!)[0]).toBeCloseTo(0.5, 5);
    tf.dispose(y);
  });

  it('a blow-up (y′ = y², y(0) = 1, pole at t = 1) throws SolverStepLimitError naming the step count', () => {
    const f: OdeFunction = (_t, [y]) => [tf.square(y!)];
    const y0 = tf.ones([1]);
    let caught: unknown;
    const leaked = tf.memory().numTensors;
    try {
      dopri5(f, [y0], 0, 2, { maxSteps: 50 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SolverStepLimitError);
    expect(caught).toBeInstanceOf(InputError);
    const err = caught as SolverStepLimitError;
    expect(SemstyleError.isInstance(err)).toBe(true);
    expect(err.code).toBe('E_INVALID_ARGUMENT');
    expect(err.steps).toBe(50);
    expect(err.message).toContain('50 steps');
    expect(err.reachedTime).toBeLessThan(1);
    expect(tf.memory().numTensors).toBe(leaked);
    y0.dispose();
  });

  it('a tight tolerance with a small maxSteps also stops with the typed error', () => {
    const y0 = tf.ones([1]);
    expect(() => dopri5(growth, [y0], 0, 10, { rtol: 1e-9, atol: 1e-9, maxSteps: 5 })).toThrow(/after 5 steps/);
    expect(() => dopri5(growth, [y0], 0, 1, { rtol: -1 })).toThrow(InputError);
    y0.dispose();
  });
});

describe('rk4', () => {
  it('converges at 4th order on exponential growth, and reverses on the same grid', () => {
    const y0 = tf.tensor1d([1]);
    const errs = [4, 8, 16].map((n) => {
      const { y } = rk4(growth, [y0], 0, 1, n);
      const e = Math.abs(value(y[0]!)[0]! - Math.exp(1.5));
      tf.dispose(y);
      return e;
    });
    expect(errs[0]! / errs[1]!).toBeGreaterThan(10); // ≈ 16
    expect(errs[1]! / errs[2]!).toBeGreaterThan(8);
    const fwd = rk4(growth, [y0], 0, 1, 8);
    const back = rk4(growth, fwd.y, 1, 0, 8);
    expect(Math.abs(value(back.y[0]!)[0]! - 1)).toBeLessThan(1e-4);
    tf.dispose([y0, fwd.y, back.y]);
  });

  it('odeint dispatches and rejects unknown methods and bad step counts', () => {
    const y0 = tf.zeros([1]);
    const a = odeint(linearInT, [y0], 0, 2, { method: 'rk4', steps: 2 });
    expect(value(a.y[0]!)[0]).toBeCloseTo(2, 5);
    expect(() => odeint(linearInT, [y0], 0, 2, { method: 'euler' } as never)).toThrow(InputError);
    expect(() => rk4(linearInT, [y0], 0, 2, 0)).toThrow(/positive integer/);
    tf.dispose([y0, a.y]);
  });

  it('solvers leave no tensors behind', async () => {
    const y0 = tf.tensor2d([[1, 0]]);
    expect(await leakedTensors(() => tf.dispose(dopri5(rotation(1, 0), [y0], 0, 1).y))).toBe(0);
    expect(await leakedTensors(() => tf.dispose(rk4(rotation(1, 0), [y0], 0, 1, 4).y))).toBe(0);
    y0.dispose();
  });
});
