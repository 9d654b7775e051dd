import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { seededNormal } from '../latent/random.js';
import { DualBranchDiscriminator } from '../model/dual-branch-discriminator.js';
import { SemanticStyleGAN } from '../model/semantic-stylegan.js';
import { expandLatents } from '../networks/generator.js';
import { pathLengthNoise, pathLengthPenalty, r1Loss, r1Penalty } from './regularizers.js';
import { tinyTrainingConfig } from './test-config.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('R1 through the real DualBranchDiscriminator', () => {
  it('∂R1/∂weights matches central differences', () => {
    const config = tinyTrainingConfig();
    const d = DualBranchDiscriminator.random(config, 11);
    const img = tf.tidy(() => tf.mul(seededNormal([2, 16, 16, 3], 1), 0.5)) as tf.Tensor4D;
    const seg = tf.tidy(() => tf.sub(tf.mul(tf.oneHot(tf.tensor2d(Array.from({ length: 512 }, (_, i) => (i * 7) % 3), [2, 256], 'int32'), 3), 2), 1).reshape([2, 16, 16, 3])) as tf.Tensor4D;
    // γ 2 and 2 → weight 1 on each: loss = R1_img + R1_seg.
    const loss = () => r1Loss(r1Penalty((x, s) => d.forward(x, s), img, seg), 2, 2, 1);
    const names = ['convs_img.0.0.weight', 'convs_seg.0.0.weight', 'convs_seg.1.conv1.0.weight', 'final_conv.0.weight', 'final_linear.0.weight', 'final_linear.1.weight'];
    const vars = names.map((n) => d.params.get(n));
    const { value, grads } = tf.variableGrads(loss, vars);
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    value.dispose();
    // R1 contains the leaky-ReLU slopes, so it jumps where a pre-activation changes sign: a central
    // difference is only meaningful when it does not straddle one. Accept an entry as checkable when the
    // differences at h and h/2 agree (1 %), then require the analytic gradient to match (2 %).
    for (const v of vars) {
      const g = grads[v.name]!.dataSync();
      const order = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!)).slice(0, 6);
      const base = (v.dataSync() as Float32Array).slice();
      const at = (idx: number, delta: number) => {
        const w = base.slice();
        w[idx] = w[idx]! + delta;
        v.assign(tf.tensor(w, v.shape));
        const l = tf.tidy(loss);
        const out = l.dataSync()[0]!;
        l.dispose();
        return out;
      };
      let checked = 0;
      for (const idx of order) {
        const fd = (h: number) => (at(idx, h) - at(idx, -h)) / (2 * h);
        const a = fd(1e-3);
        const b = fd(5e-4);
        if (Math.abs(a - b) > 1e-2 * Math.abs(b)) continue; // a kink between θ−h and θ+h
        expect(Math.abs(b - g[idx]!), `${v.name}[${idx}]: analytic ${g[idx]}, finite difference ${b}`).toBeLessThan(2e-2 * Math.abs(g[idx]!) + 1e-6);
        checked++;
      }
      v.assign(tf.tensor(base, v.shape));
      expect(checked, `${v.name}: entries away from kinks`).toBeGreaterThanOrEqual(2);
    }
    tf.dispose([img, seg, ...Object.values(grads)]);
    d.dispose();
  });

  it('image-only R1 (adaptation) has no segmentation term', () => {
    const config = tinyTrainingConfig();
    const d = DualBranchDiscriminator.random(config, 3);
    const img = seededNormal([2, 16, 16, 3], 2) as tf.Tensor4D;
    const r1 = r1Penalty((x) => d.forward(x), img);
    expect(r1.seg).toBeUndefined();
    expect(r1.img.dataSync()[0]).toBeGreaterThan(0);
    const l = r1Loss(r1, 10, 1000, 16);
    expect(l.dataSync()[0]).toBeCloseTo(r1.img.dataSync()[0]! * 5 * 16, 4);
    tf.dispose([img, r1.img, l]);
    d.dispose();
  });
});

describe('path-length regulariser', () => {
  it('matches a hand-computed case (image = 2·latents, noise known)', () => {
    // latents [2, 2, 2] → image [2, 2, 2, 1] = 2·latents; noise = normals / √(2·2) = normals / 2,
    // so ∂Σ(img·noise)/∂latents = normals. Sample 0 normals 1,2,3,4: Σ² = 30, mean over the 2 layers 15 → √15.
    // Sample 1 normals 0,0,2,2: Σ² = 8 → 4 → 2.
    const latents = tf.tensor3d([0.3, -1, 2, 5, 1, 1, 1, 1], [2, 2, 2]);
    const normals = Float32Array.from([1, 2, 3, 4, 0, 0, 2, 2]);
    const noise = pathLengthNoise(normals, [2, 2, 2, 1]);
    const render = (l: tf.Tensor3D) => tf.reshape(tf.mul(l, 2), [2, 2, 2, 1]) as tf.Tensor4D;
    const mean0 = 1.5;
    const r = pathLengthPenalty(render, latents, noise, mean0, 0.01);
    const pl = [Math.sqrt(15), 2];
    const pathMean = mean0 + 0.01 * ((pl[0]! + pl[1]!) / 2 - mean0);
    const penalty = ((pl[0]! - pathMean) ** 2 + (pl[1]! - pathMean) ** 2) / 2;
    expect(Array.from(r.pathLengths.dataSync())).toEqual([expect.closeTo(pl[0]!, 5), expect.closeTo(2, 5)]);
    expect(r.pathMean.dataSync()[0]).toBeCloseTo(pathMean, 5);
    expect(r.penalty.dataSync()[0]).toBeCloseTo(penalty, 5);
    tf.dispose([latents, noise, r.penalty, r.pathMean, r.pathLengths]);
  });

  it('the generator with expanded input equals the W+ forward, and ∂/∂(expanded latents) is finite', () => {
    const config = tinyTrainingConfig();
    const g = SemanticStyleGAN.random(config, 4);
    const wplus = seededNormal([1, g.layout.nLatent, 16], 9) as tf.Tensor3D;
    const expanded = expandLatents(config.generator, wplus);
    const a = g.forward(wplus, { noise: 'const' });
    const b = g.forward(expanded, { noise: 'const', expandedInput: true });
    expect(Array.from(b.image.dataSync())).toEqual(Array.from(a.image.dataSync()));
    expect(Array.from(b.latentsExpanded.dataSync())).toEqual(Array.from(a.latentsExpanded.dataSync()));
    const noise = pathLengthNoise(seededNormal([1, 16, 16, 3], 1).dataSync() as Float32Array, [1, 16, 16, 3]);
    const r = pathLengthPenalty((l) => g.forward(l, { noise: 'const', expandedInput: true }).image, expanded, noise, 0);
    const pl = r.pathLengths.dataSync()[0]!;
    expect(Number.isFinite(pl) && pl > 0).toBe(true);
    tf.dispose([wplus, expanded, noise, r.penalty, r.pathMean, r.pathLengths, ...Object.values(a), ...Object.values(b)]);
    g.dispose();
  });

  it('tf.gather gradients (W+ expansion) are right on wasm (UnsortedSegmentSum)', () => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 3, 2]);
    const idx = tf.tensor1d([0, 0, 2, 1], 'int32');
    const weights = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [1, 4, 2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, idx, 1), weights)))(x);
    expect(Array.from(g.dataSync())).toEqual([4, 6, 7, 8, 5, 6]);
    tf.dispose([x, idx, weights, g]);
  });
});
