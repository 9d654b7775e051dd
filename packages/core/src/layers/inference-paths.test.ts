/**
 * The inference fast paths (local generators folded per (region, sample) with fused bias + leaky ReLU, or
 * region-batched for batches of small models; render net on weights folded once per parameter version)
 * against the differentiable path that training
 * takes, on wasm and cpu: same outputs, gradients that match finite differences, cache invalidation on
 * parameter change, no leaked tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, useBackend } from '../kernels/test-helpers.js';
import { configFromOfficialArgs } from '../config/official-config.js';
import { SemanticStyleGAN } from '../model/semantic-stylegan.js';
import type { WPlusLatent } from '../contract/latent-types.js';

// K = 5 with transparency and residual refine, 3 render stages (8 → 16 → 32 → 64), concat of the coarse map.
const CONFIG = configFromOfficialArgs({
  size: 64, latent: 16, n_mlp: 2, seg_dim: 5, coarse_size: 16, min_feat_size: 8,
  local_layers: 4, local_channel: 8, coarse_channel: 8, base_layers: 1, depth_layers: 2,
  residual_refine: true, transparent_dims: [4], channels: { 4: 16, 8: 16, 16: 12, 32: 8, 64: 8 },
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}
function scale(a: tf.Tensor): number {
  return Math.max(1, tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]!));
}

/** The differentiable path: g.forward while a gradient tape records (what training runs). */
function taped(g: SemanticStyleGAN, wp: tf.Tensor3D, noise: 'const' | 'none'): { image: tf.Tensor; seg: tf.Tensor } {
  let image: tf.Tensor | undefined;
  let seg: tf.Tensor | undefined;
  const grad = tf.grad((w: tf.Tensor) => {
    const out = g.forward(w as tf.Tensor3D, { noise });
    image = tf.keep(tf.clone(out.image));
    seg = tf.keep(tf.clone(out.seg));
    return tf.sum(out.image);
  })(wp);
  grad.dispose();
  return { image: image!, seg: seg! };
}

for (const backend of BACKENDS) {
  describe(`inference fast paths on ${backend}`, () => {
    beforeAll(async () => {
      await useBackend(backend);
    });

    it('synthesize (batch 1: folded; batch 2: region-batched) equals the taped forward (training path)', () => {
      const g = SemanticStyleGAN.random(CONFIG, 11);
      // Non-trivial noise strengths and biases, so that folding them is exercised.
      const bump = new Map<string, tf.Tensor>();
      for (const [name, v] of g.params.entries()) {
        if (/noise\.weight$|activate\.bias$|to_(rgbs|segs)\.\d+\.bias$/.test(name)) bump.set(name, tf.add(v, tf.randomUniform(v.shape, -0.5, 0.5, 'float32', bump.size)));
      }
      g.params.assign(bump);
      tf.dispose([...bump.values()]);
      for (const batch of [1, 2]) {
        const wp = g.sampleWPlus(batch, 3);
        for (const noise of ['const', 'none'] as const) {
          const fast = g.synthesize(wp, { noise });
          const ref = taped(g, wp.tensor, noise);
          expect(maxAbsDiff(fast.image, ref.image), `image, batch ${batch}, noise ${noise}`).toBeLessThanOrEqual(1e-5 * scale(ref.image));
          expect(maxAbsDiff(fast.seg, ref.seg), `seg, batch ${batch}, noise ${noise}`).toBeLessThanOrEqual(1e-5 * scale(ref.seg));
          tf.dispose([fast, ref.image, ref.seg]);
        }
        wp.tensor.dispose();
      }
      g.dispose();
    });

    it('the folded cache follows parameter changes (params.version)', () => {
      const g = SemanticStyleGAN.random(CONFIG, 12);
      const wp = g.sampleWPlus(1, 4);
      tf.dispose(g.synthesize(wp));
      const name = 'render_net.convs.2.weight';
      const w = g.params.get(name);
      const replaced = tf.mul(w, -1.5);
      g.params.assign(new Map([[name, replaced]]));
      replaced.dispose();
      const fast = g.synthesize(wp);
      const ref = taped(g, wp.tensor, 'const');
      expect(maxAbsDiff(fast.image, ref.image)).toBeLessThanOrEqual(1e-5 * scale(ref.image));
      tf.dispose([fast, ref.image, ref.seg, wp.tensor]);
      g.dispose();
    });

    it('gradient w.r.t. W+ (training path) matches central finite differences', () => {
      const g = SemanticStyleGAN.random(CONFIG, 13);
      const wp = g.sampleWPlus(1, 5);
      const probe = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 9);
      const loss = (w: tf.Tensor) => tf.sum(tf.mul(g.forward(w as tf.Tensor3D, { noise: 'const' }).image, probe));
      const grad = tf.grad(loss)(wp.tensor);
      const gv = grad.dataSync();
      const base = wp.tensor.dataSync();
      const eps = 1e-3; // leaky-ReLU kinks make larger steps inaccurate (measured: 3e-2 → 3% off, 1e-3 → 0.5%)
      const value = (v: Float32Array) => tf.tidy(() => loss(tf.tensor3d(v, wp.tensor.shape)).dataSync()[0]!);
      for (const i of [0, 17, 40, gv.length - 1]) {
        const plus = base.slice() as Float32Array;
        const minus = base.slice() as Float32Array;
        plus[i]! += eps;
        minus[i]! -= eps;
        const fd = (value(plus) - value(minus)) / (2 * eps);
        expect(Math.abs(fd - gv[i]!), `index ${i}: fd ${fd}, grad ${gv[i]}`).toBeLessThanOrEqual(3e-2 * Math.max(1, Math.abs(fd)));
      }
      tf.dispose([wp.tensor, probe, grad]);
      g.dispose();
    });

    it('leaks no tensors per call, and dispose() releases the caches', () => {
      const before = tf.memory().numTensors;
      const g = SemanticStyleGAN.random(CONFIG, 14);
      const wp: WPlusLatent = g.sampleWPlus(2, 6);
      tf.dispose(g.synthesize(wp)); // builds the caches
      const warm = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) tf.dispose(g.synthesize(wp, { noise: 'random', noiseSeed: i }));
      expect(tf.memory().numTensors).toBe(warm);
      wp.tensor.dispose();
      g.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
