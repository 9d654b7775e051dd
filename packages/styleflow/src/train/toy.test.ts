import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, SeededRandom } from '@semstyle/core';
import { StyleFlow } from '../flow/styleflow.js';
import type { FlowDataSource } from './data-source.js';
import { FlowTrainer } from './trainer.js';

beforeAll(async () => {
  await initBackend('wasm');
});

// Target: x | c ~ N(μ(c), diag(σ²)) with μ(c) = (1.5c, −c), σ = (0.4, 0.25), c ~ U(−1, 1).
const SIGMA = [0.4, 0.25] as const;
const mu = (c: number) => [1.5 * c, -c] as const;
const toy: FlowDataSource = {
  dim: 2,
  condDim: 1,
  batch(n: number, rng: SeededRandom) {
    const x = new Float32Array(2 * n);
    const c = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const ci = rng.uniform() * 2 - 1;
      const m = mu(ci);
      c[i] = ci;
      x[2 * i] = m[0] + SIGMA[0] * rng.normal();
      x[2 * i + 1] = m[1] + SIGMA[1] * rng.normal();
    }
    return { x: tf.tensor2d(x, [n, 2]), cond: tf.tensor2d(c, [n, 1]) };
  },
};

describe('2-D conditional Gaussian toy', () => {
  it('a briefly trained flow samples the right conditional mean and spread', () => {
    const flow = new StyleFlow({ dim: 2, condDim: 1, hidden: [16], seed: 0, endTime: 0.5 });
    const trainer = new FlowTrainer(flow, toy, { lr: 2e-2, batchSize: 64, solverSteps: 2, seed: 1 });
    const first = trainer.trainStep();
    const t0 = performance.now();
    const steps = 160;
    const last = trainer.train(steps - 1)!;
    const msPerStep = (performance.now() - t0) / (steps - 1);
    // Target NLL (nats/sample) = E[−log N] = log(2π σ1 σ2) + 1.
    const ideal = Math.log(2 * Math.PI * SIGMA[0] * SIGMA[1]) + 1;
    const rows: string[] = [];
    let worstMean = 0;
    let worstStd = 0;
    const n = 400;
    for (const c of [-0.8, 0, 0.8]) {
      const z = tf.tensor2d(new SeededRandom(99).normalArray(2 * n), [n, 2]);
      const cond = tf.fill([n, 1], c) as tf.Tensor2D;
      const xs = flow.sample(z, cond, { solver: { method: 'rk4', steps: 4 } });
      const d = xs.arraySync() as number[][];
      tf.dispose([z, cond, xs]);
      const mean = [0, 1].map((j) => d.reduce((a, r) => a + r[j]!, 0) / n);
      const std = [0, 1].map((j) => Math.sqrt(d.reduce((a, r) => a + (r[j]! - mean[j]!) ** 2, 0) / (n - 1)));
      const m = mu(c);
      worstMean = Math.max(worstMean, ...mean.map((v, j) => Math.abs(v - m[j]!)));
      worstStd = Math.max(worstStd, ...std.map((v, j) => Math.abs(v - SIGMA[j]!) / SIGMA[j]!));
      rows.push(`c=${c}: mean (${mean.map((v) => v.toFixed(3)).join(', ')}) vs (${m.join(', ')}), std (${std.map((v) => v.toFixed(3)).join(', ')})`);
    }
    console.log(`[styleflow] toy: NLL ${first.loss.toFixed(3)} → ${last.loss.toFixed(3)} (ideal ${ideal.toFixed(3)}), ${msPerStep.toFixed(0)} ms/step, T = ${last.endTime.toFixed(3)}; worst |mean err| ${worstMean.toFixed(3)}, worst rel std err ${worstStd.toFixed(3)}\n  ${rows.join('\n  ')}`);
    expect(worstMean).toBeLessThan(0.15); // the conditional means are 1.2–2.4 apart across c
    expect(worstStd).toBeLessThan(0.3);
    expect(last.loss).toBeLessThan(first.loss);
    trainer.dispose();
    flow.dispose();
  });
});
