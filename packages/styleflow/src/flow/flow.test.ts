import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, InputError, seededNormal } from '@semstyle/core';
import { leakedTensors } from '@semstyle/core/testing';
import { Cnf } from './cnf.js';
import { valueAndDivergence } from './divergence.js';
import { LinearDynamics } from './linear-dynamics.js';
import { StyleFlow } from './styleflow.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const A = [
  [0.3, -1.2, 0.1],
  [1.0, -0.4, 0.2],
  [0.05, 0.3, 0.6],
];
const traceA = 0.3 - 0.4 + 0.6;

function maxRel(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.div(tf.max(tf.abs(tf.sub(a, b))), tf.maximum(tf.max(tf.abs(b)), 1e-12)).dataSync()[0]!);
}

describe('log-density on dz/dt = A z (log|det| = T · tr A)', () => {
  const T = 0.8;
  for (const tangents of [true, false]) {
    it(`exact trace (${tangents ? 'forward-mode tangents' : 'per-dimension tf.grad'}) gives T·tr(A)`, () => {
      const cnf = new Cnf(new LinearDynamics(A, { tangents }), T, false);
      const x = seededNormal([5, 3], 1) as tf.Tensor2D;
      const { z, logDet } = cnf.integrate(x, null, { solver: { method: 'dopri5', rtol: 1e-6, atol: 1e-6 } });
      for (const v of logDet!.dataSync()) expect(Math.abs(v - T * traceA)).toBeLessThan(1e-4);
      tf.dispose([cnf.timeParam, x, z, logDet!]);
      cnf.dynamics.dispose();
    });
  }

  it('Hutchinson (Rademacher and Gaussian): unbiased, mean within 4 standard errors of T·tr(A)', () => {
    const cnf = new Cnf(new LinearDynamics(A), T, false);
    const n = 400;
    const x = seededNormal([n, 3], 2) as tf.Tensor2D;
    for (const noise of ['rademacher', 'gaussian'] as const) {
      const { z, logDet } = cnf.integrate(x, null, { trace: 'hutchinson', noise, noiseSeed: 7, solver: { method: 'rk4', steps: 8 } });
      const v = Array.from(logDet!.dataSync());
      const mean = v.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
      expect(Math.abs(mean - T * traceA)).toBeLessThan(4 * (sd / Math.sqrt(n)) + 1e-4);
      expect(sd).toBeGreaterThan(0); // it is an estimate, not the exact trace
      tf.dispose([z, logDet!]);
    }
    tf.dispose([cnf.timeParam, x]);
    cnf.dynamics.dispose();
  });

  it('the ODE net: tangent and tf.grad traces agree, exactly and with the same Hutchinson noise', () => {
    const flow = new StyleFlow({ dim: 4, condDim: 2, hidden: [8, 8], seed: 3 });
    const z = seededNormal([3, 4], 4) as tf.Tensor2D;
    const c = seededNormal([3, 2], 5) as tf.Tensor2D;
    const noise = seededNormal([3, 4], 6) as tf.Tensor2D;
    const t = tf.scalar(0.3);
    const net = flow.odeNet;
    const generic = { dim: 4, condDim: 2, evaluate: net.evaluate.bind(net), parameters: () => [], dispose: () => undefined };
    for (const mode of ['exact', 'hutchinson'] as const) {
      const a = valueAndDivergence(net, t, z, c, mode, noise);
      const b = valueAndDivergence(generic, t, z, c, mode, noise);
      expect(maxRel(a.value, b.value)).toBeLessThan(1e-6);
      expect(maxRel(a.divergence, b.divergence)).toBeLessThan(1e-4);
      tf.dispose([a.value, a.divergence, b.value, b.divergence]);
    }
    tf.dispose([z, c, noise, t]);
    flow.dispose();
  });
});

describe('StyleFlow round trip x → z → x with the same condition', () => {
  it('dopri5 (rtol = atol = 1e-5) reconstructs to ≤ 1e-3 relative; rk4 reported at its step count', () => {
    const flow = new StyleFlow({ dim: 6, condDim: 2, hidden: [16, 16], seed: 1, endTime: 1 });
    // Stronger dynamics than the init, so the map is far from the identity.
    for (const v of flow.parameters().values()) tf.tidy(() => v.assign(tf.mul(v, 3)));
    const x = seededNormal([4, 6], 10) as tf.Tensor2D;
    const c = seededNormal([4, 2], 11) as tf.Tensor2D;
    const fwd = flow.forward(x, c);
    const moved = maxRel(fwd.value, x);
    expect(moved).toBeGreaterThan(0.3);
    const back = flow.inverse(fwd.value, c);
    const relDopri = maxRel(back.value, x);
    expect(relDopri).toBeLessThan(1e-3);
    // log-dets of the two directions cancel
    const ldSum = tf.tidy(() => tf.max(tf.abs(tf.add(fwd.logDet!, back.logDet!))).dataSync()[0]!);
    expect(ldSum).toBeLessThan(1e-3);
    const rk: Record<number, number> = {};
    for (const steps of [4, 16]) {
      const opts = { solver: { method: 'rk4', steps } as const, trace: 'none' as const };
      const f = flow.forward(x, c, opts);
      const b = flow.inverse(f.value, c, opts);
      rk[steps] = maxRel(b.value, x);
      tf.dispose([f.value, b.value]);
    }
    expect(rk[16]!).toBeLessThan(1e-3);
    console.log(`[styleflow] round trip (|z − x| / |x| = ${moved.toFixed(2)}) max rel error: dopri5 ${relDopri.toExponential(2)} (${fwd.stats.steps}+${back.stats.steps} steps, nfe ${fwd.stats.nfe}+${back.stats.nfe}); rk4×4 ${rk[4]!.toExponential(2)}; rk4×16 ${rk[16]!.toExponential(2)}`);
    tf.dispose([x, c, fwd.value, fwd.logDet!, back.value, back.logDet!]);
    flow.dispose();
  });

  it('rejects a condition of the wrong length, non-finite latents, and misuse', () => {
    const flow = new StyleFlow({ dim: 3, condDim: 2, hidden: [4], seed: 0 });
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    const badC = tf.zeros([2, 3]) as tf.Tensor2D;
    const c = tf.zeros([2, 2]) as tf.Tensor2D;
    const nan = tf.tensor2d([[0, NaN, 0], [0, 0, 0]]);
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).code;
      }
      return 'no error';
    };
    expect(code(() => flow.forward(x, badC))).toBe('E_SHAPE');
    expect(code(() => flow.forward(tf.zeros([2, 4]) as tf.Tensor2D, c))).toBe('E_SHAPE');
    expect(code(() => flow.forward(nan, c))).toBe('E_NON_FINITE');
    expect(code(() => flow.inverse(x, tf.tensor2d([[0, Infinity], [0, 0]])))).toBe('E_NON_FINITE');
    expect(code(() => flow.forward(x, c, { solver: { method: 'rk4', steps: 0 } }))).toBe('E_INVALID_ARGUMENT');
    expect(code(() => new StyleFlow({ dim: 0, condDim: 1 }))).toBe('E_INVALID_ARGUMENT');
    expect(code(() => flow.logProb(x, c, { trace: 'none' }))).toBe('E_INVALID_ARGUMENT');
    tf.dispose([x, badC, c, nan]);
    flow.dispose();
  });

  it('a CNF whose dynamics blow up (dz/dt = z², pole at t = 1) throws a typed error naming the step count', () => {
    const blowUp = { dim: 2, condDim: 0, evaluate: (_t: tf.Scalar, z: tf.Tensor2D) => tf.square(z), parameters: () => [], dispose: () => undefined };
    const cnf = new Cnf(blowUp, 3, false);
    const x = tf.ones([1, 2]) as tf.Tensor2D;
    let err: unknown;
    const before = tf.memory().numTensors;
    try {
      cnf.integrate(x, null, { solver: { method: 'dopri5', maxSteps: 40 } });
    } catch (e) {
      err = e;
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('E_INVALID_ARGUMENT');
    expect((err as { steps: number }).steps).toBe(40);
    expect(String((err as Error).message)).toMatch(/after 40 steps/);
    tf.dispose([x, cnf.timeParam]);
  });

  it('a StyleFlow asked for tolerances below float32 precision stops at maxSteps with the typed error', () => {
    const flow = new StyleFlow({ dim: 2, condDim: 1, hidden: [4], seed: 0 });
    for (const v of flow.parameters().values()) tf.tidy(() => v.assign(tf.mul(v, 3)));
    const x = tf.ones([1, 2]) as tf.Tensor2D;
    const c = tf.ones([1, 1]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    let err: unknown;
    try {
      flow.forward(x, c, { solver: { method: 'dopri5', maxSteps: 12, rtol: 1e-13, atol: 1e-13 } });
    } catch (e) {
      err = e;
    }
    expect(tf.memory().numTensors).toBe(before);
    expect((err as InputError).code).toBe('E_INVALID_ARGUMENT');
    const steps = (err as { steps: number }).steps;
    expect(steps).toBeLessThanOrEqual(12);
    expect(String((err as Error).message)).toContain(`after ${steps} steps`);
    tf.dispose([x, c]);
    flow.dispose();
  });

  it('forward, inverse, logProb, sample and the trace helpers leak nothing', async () => {
    const flow = new StyleFlow({ dim: 3, condDim: 1, hidden: [4], seed: 2 });
    const x = seededNormal([2, 3], 1) as tf.Tensor2D;
    const c = seededNormal([2, 1], 2) as tf.Tensor2D;
    const rk = { solver: { method: 'rk4', steps: 2 } as const };
    expect(await leakedTensors(() => { const r = flow.forward(x, c); tf.dispose([r.value, r.logDet!]); })).toBe(0);
    expect(await leakedTensors(() => { const r = flow.inverse(x, c, { ...rk, trace: 'hutchinson' }); tf.dispose([r.value, r.logDet!]); })).toBe(0);
    expect(await leakedTensors(() => flow.logProb(x, c, rk).dispose())).toBe(0);
    expect(await leakedTensors(() => flow.sample(x, c, rk).dispose())).toBe(0);
    const t = tf.scalar(0.1);
    expect(await leakedTensors(() => { const r = valueAndDivergence(flow.odeNet, t, x, c, 'exact'); tf.dispose([r.value, r.divergence]); })).toBe(0);
    expect(await leakedTensors(() => { flow.setTraining(true); const r = flow.forward(x, c, rk); tf.dispose([r.value, r.logDet!]); flow.commitRunningStats(); flow.setTraining(false); })).toBe(0);
    tf.dispose([x, c, t]);
    expect(await leakedTensors(() => new StyleFlow({ dim: 3, condDim: 1, hidden: [4] }).dispose())).toBe(0);
    flow.dispose();
  });
});
