import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { SeededRandom } from '../latent/random.js';
import { SemanticStyleGAN } from '../model/semantic-stylegan.js';
import { Adam } from './adam.js';
import { emaUpdate } from './ema.js';
import { mixingSelector, mixStyles, sampleMixingPlan } from './mixing.js';
import { DEFAULT_TRAINING_OPTIONS, emaDecayFromOptions, lazyRegularizedAdam, resolveTrainingOptions } from './options.js';
import { tinyTrainingConfig } from './test-config.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('Adam (torch formula)', () => {
  it('matches hand-computed steps, skips parameters without a gradient', () => {
    const hyper = { lr: 0.1, beta1: 0.5, beta2: 0.9, eps: 1e-8 };
    const p = tf.variable(tf.tensor1d([1, -2]));
    const q = tf.variable(tf.tensor1d([3]));
    const adam = new Adam(hyper, [
      ['p', p],
      ['q', q],
    ]);
    const gradsP = [
      [0.5, -1],
      [0.25, 2],
      [-1, 0.5],
    ];
    // Reference in float64: torch.optim.Adam's update.
    let m = [0, 0];
    let v = [0, 0];
    let ref = [1, -2];
    for (let t = 1; t <= 3; t++) {
      const g = gradsP[t - 1]!;
      m = m.map((mi, i) => 0.5 * mi + 0.5 * g[i]!);
      v = v.map((vi, i) => 0.9 * vi + 0.1 * g[i]! ** 2);
      const stepSize = 0.1 / (1 - 0.5 ** t);
      const bc2 = Math.sqrt(1 - 0.9 ** t);
      ref = ref.map((r, i) => r - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / bc2 + 1e-8));
      const grads = new Map<string, tf.Tensor>([['p', tf.tensor1d(g)]]);
      if (t === 1) grads.set('q', tf.tensor1d([1]));
      adam.step(grads);
      tf.dispose([...grads.values()]);
      const got = p.dataSync();
      expect(got[0]).toBeCloseTo(ref[0]!, 6);
      expect(got[1]).toBeCloseTo(ref[1]!, 6);
    }
    // q got one gradient: with β1 = 0.5 the first step is lr·sign(g) exactly as torch; step count stays 1.
    expect(q.dataSync()[0]).toBeCloseTo(3 - 0.1, 6);
    expect(adam.state.get('q')!.step).toBe(1);
    expect(adam.state.get('p')!.step).toBe(3);
    expect(Array.from(adam.state.get('p')!.expAvg.dataSync())).toEqual([expect.closeTo(m[0]!, 6), expect.closeTo(m[1]!, 6)]);
    expect(Array.from(adam.state.get('p')!.expAvgSq.dataSync())).toEqual([expect.closeTo(v[0]!, 6), expect.closeTo(v[1]!, 6)]);
    adam.dispose();
    tf.dispose([p, q]);
  });

  it('updates parameters of different step counts in one call exactly as one at a time', () => {
    // Grouped by step count and run on concatenated buffers: bit-identical to the per-parameter formula.
    const hyper = { lr: 0.01, beta1: 0.3, beta2: 0.95, eps: 1e-8 };
    const shapes = [[3, 2], [4], [2, 2, 2]];
    const params = shapes.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', i)));
    const adam = new Adam(hyper, params.map((p, i) => [`p${i}`, p] as const));
    const ref = params.map((p): { p: tf.Tensor; m: tf.Tensor; v: tf.Tensor; t: number } => ({ p: p.clone(), m: tf.zerosLike(p), v: tf.zerosLike(p), t: 0 }));
    const calls = [[0, 1, 2], [0, 2], [0, 1, 2], [1]];
    calls.forEach((which, c) => {
      const grads = new Map(which.map((i) => [`p${i}`, tf.randomNormal(shapes[i]!, 0, 1, 'float32', 100 + 10 * c + i)] as const));
      adam.step(grads);
      for (const i of which) {
        const r = ref[i]!;
        const g = grads.get(`p${i}`)!;
        r.t++;
        const next = tf.tidy(() => {
          const m = tf.add(tf.mul(r.m, hyper.beta1), tf.mul(g, 1 - hyper.beta1));
          const v = tf.add(tf.mul(r.v, hyper.beta2), tf.mul(tf.mul(g, g), 1 - hyper.beta2));
          const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - hyper.beta2 ** r.t)), hyper.eps);
          return [m, v, tf.sub(r.p, tf.mul(tf.div(m, denom), hyper.lr / (1 - hyper.beta1 ** r.t)))];
        });
        tf.dispose([r.m, r.v, r.p]);
        [r.m, r.v, r.p] = next as [tf.Tensor, tf.Tensor, tf.Tensor];
      }
      tf.dispose([...grads.values()]);
    });
    params.forEach((p, i) => {
      const r = ref[i]!;
      expect(Array.from(p.dataSync())).toEqual(Array.from(r.p.dataSync()));
      const slot = adam.state.get(`p${i}`)!;
      expect(slot.step).toBe(r.t);
      expect(Array.from(slot.expAvg.dataSync())).toEqual(Array.from(r.m.dataSync()));
      expect(Array.from(slot.expAvgSq.dataSync())).toEqual(Array.from(r.v.dataSync()));
      tf.dispose([r.p, r.m, r.v]);
    });
    adam.dispose();
    tf.dispose(params);
  });

  it('lazy-regularisation corrections and official defaults', () => {
    const base = { lr: 0.002, beta1: 0, beta2: 0.99, eps: 1e-8 };
    const g = lazyRegularizedAdam(base, 4);
    expect(g.lr).toBeCloseTo(0.002 * 0.8, 12);
    expect(g.beta1).toBe(0);
    expect(g.beta2).toBeCloseTo(0.99 ** 0.8, 12);
    const d = lazyRegularizedAdam(base, 16);
    expect(d.lr).toBeCloseTo((0.002 * 16) / 17, 12);
    expect(d.beta2).toBeCloseTo(0.99 ** (16 / 17), 12);
    expect(lazyRegularizedAdam(base, 0)).toEqual(base);
    const o = resolveTrainingOptions();
    expect([o.r1Img, o.r1Seg, o.dRegEvery, o.gRegEvery, o.pathRegularize, o.pathBatchShrink, o.lambdaMask, o.mixing, o.batchSize]).toEqual([10, 1000, 16, 4, 0.5, 2, 100, 0.3, 4]);
    expect(() => resolveTrainingOptions({ batchSize: 0 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });
});

describe('EMA', () => {
  it('has the closed form ema_n = g + decay^n (ema_0 − g) and copies no buffers', () => {
    const config = tinyTrainingConfig();
    const g = SemanticStyleGAN.random(config, 1);
    const ema = SemanticStyleGAN.random(config, 2);
    const name = 'style.1.bias';
    const buffer = 'render_net.noises.noise_0';
    const e0 = (ema.params.get(name).dataSync() as Float32Array).slice();
    tf.tidy(() => g.params.get(name).assign(tf.fill(g.params.get(name).shape, 0.75)));
    const b0 = (ema.params.get(buffer).dataSync() as Float32Array).slice();
    const decay = 0.9;
    for (let i = 0; i < 5; i++) emaUpdate(ema.params, g.params, decay);
    const got = ema.params.get(name).dataSync();
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(0.75 + decay ** 5 * (e0[i]! - 0.75), 6);
    expect(Array.from(ema.params.get(buffer).dataSync())).toEqual(Array.from(b0));
    expect(emaDecayFromOptions(DEFAULT_TRAINING_OPTIONS)).toBeCloseTo(0.5 ** (32 / 10_000), 15);
    expect(emaDecayFromOptions({ emaHalfLifeImages: 1000, emaImagesPerStep: 4 })).toBeCloseTo(0.5 ** 0.004, 15);
    // Half-life: after halfLife/imagesPerStep steps the old weights count one half.
    expect(emaDecayFromOptions({ emaHalfLifeImages: 10_000, emaImagesPerStep: 32 }) ** (10_000 / 32)).toBeCloseTo(0.5, 12);
    // Ramp-up (StyleGAN2-ADA): half-life min(10 000, images seen · 0.05). After 100 steps of 32 images the
    // half-life is 160 images → decay 0.5^(32/160); from step 6 250 on it is the plain decay; without a
    // step count, or with emaDecay, the ramp-up does not apply.
    const ramp = { emaHalfLifeImages: 10_000, emaImagesPerStep: 32, emaRampup: 0.05 };
    expect(emaDecayFromOptions(ramp, 100)).toBeCloseTo(0.5 ** (32 / 160), 15);
    expect(emaDecayFromOptions(ramp, 1)).toBeCloseTo(0.5 ** (32 / 1.6), 15);
    expect(emaDecayFromOptions(ramp, 6_250)).toBeCloseTo(0.5 ** (32 / 10_000), 15);
    expect(emaDecayFromOptions(ramp, 50_000)).toBeCloseTo(0.5 ** (32 / 10_000), 15);
    expect(emaDecayFromOptions(ramp)).toBeCloseTo(0.5 ** (32 / 10_000), 15);
    expect(emaDecayFromOptions({ ...ramp, emaDecay: 0.9 }, 1)).toBe(0.9);
    expect(() => resolveTrainingOptions({ emaRampup: 0 })).toThrow(/emaRampup/);
    g.dispose();
    ema.dispose();
  });
});

describe('style mixing', () => {
  it('obeys the per-region rule: coarse codes from w1, never (w2 shape, w1 texture)', () => {
    const config = tinyTrainingConfig({ seg_dim: 5, base_layers: 2 }).generator;
    const rng = new SeededRandom(3);
    const seen = new Set<string>();
    let mixedCount = 0;
    for (let trial = 0; trial < 40; trial++) {
      const plan = sampleMixingPlan(rng, 3, config.styleDim, config.segDim, 0.5);
      if (plan.z2 === undefined) {
        expect(Array.from(plan.choices).every((c) => c === 0)).toBe(true);
        continue;
      }
      mixedCount++;
      const w1 = tf.fill([3, config.styleDim], 1) as tf.Tensor2D;
      const w2 = tf.fill([3, config.styleDim], 2) as tf.Tensor2D;
      const wplus = mixStyles(config, w1, w2, plan);
      const values = wplus.arraySync();
      const sel = mixingSelector(config, plan);
      const nLatent = config.baseLayers + 2 * config.segDim;
      for (let n = 0; n < 3; n++) {
        for (let s = 0; s < nLatent; s++) {
          const row = values[n]![s]!;
          expect(row.every((x) => x === row[0])).toBe(true);
          expect(row[0]).toBe(sel[n * nLatent + s]! + 1);
        }
        for (let b = 0; b < config.baseLayers; b++) expect(values[n]![b]![0]).toBe(1);
        for (let k = 0; k < config.segDim; k++) {
          const shape = values[n]![config.baseLayers + 2 * k]![0]!;
          const texture = values[n]![config.baseLayers + 2 * k + 1]![0]!;
          expect(shape === 2 && texture === 1).toBe(false);
          seen.add(`${shape},${texture}`);
        }
      }
      tf.dispose([w1, w2, wplus]);
    }
    expect(mixedCount).toBeGreaterThan(5);
    expect([...seen].sort()).toEqual(['1,1', '1,2', '2,2']);
  });

  it('probability 0 never mixes, 1 always does; the plan is a function of the seed', () => {
    const a = sampleMixingPlan(new SeededRandom(9), 2, 4, 3, 0);
    expect(a.z2).toBeUndefined();
    const b = sampleMixingPlan(new SeededRandom(9), 2, 4, 3, 1);
    expect(b.z2).toBeDefined();
    const c = sampleMixingPlan(new SeededRandom(9), 2, 4, 3, 1);
    expect(Array.from(c.z1)).toEqual(Array.from(b.z1));
    expect(Array.from(c.choices)).toEqual(Array.from(b.choices));
  });
});
