import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swapCodes, type WPlusLatent } from '@semstyle/core';
import { createTestingGenerator, leakedTensors } from '@semstyle/core/testing';
import { editLocality, psnrPerImage, ssimPerImage } from '@semstyle/metrics';
import { useWasm } from '../test-support/setup.js';
import { optimizeLatent, type OptimizeResult } from './project.js';
import { pivotalTune } from './pivotal.js';
import { projectorStep } from './schedule.js';
import { invert } from '../invert.js';

let g: ReturnType<typeof createTestingGenerator>;
let truth: WPlusLatent;
let target: tf.Tensor4D;
let result: OptimizeResult;
const STEPS = 80;

/** A generated target whose W+ is not a broadcast W: region 2's codes come from another sample. */
beforeAll(async () => {
  await useWasm();
  g = createTestingGenerator();
  const a = g.sampleWPlus(1, 11);
  const b = g.sampleWPlus(1, 12);
  truth = swapCodes(a, b, { regions: ['region_2'] });
  tf.dispose([a.tensor, b.tensor]);
  target = tf.tidy(() => g.forward(truth.tensor, { noise: 'const' }).image);
  result = optimizeLatent(g, target, { steps: STEPS, wStdSamples: 2000 });
}, 120_000);

afterAll(() => {
  tf.dispose([truth.tensor, target, result.latent.tensor, result.reconstruction]);
  g.dispose();
});

const mse = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.mean(tf.squaredDifference(a, b)).dataSync()[0]!);

describe('optimisation inversion (StyleGAN2 projector recipe)', () => {
  it('schedule matches projector.py', () => {
    expect(projectorStep(0, 1000, 2).lr).toBe(0); // ramp-up starts at 0
    expect(projectorStep(50, 1000, 2).lr).toBeCloseTo(0.1, 10); // end of the 5 % ramp-up
    expect(projectorStep(500, 1000, 2).lr).toBeCloseTo(0.1, 10);
    expect(projectorStep(875, 1000, 2).lr).toBeCloseTo(0.1 * (0.5 - 0.5 * Math.cos(0.5 * Math.PI)), 10);
    expect(projectorStep(0, 1000, 2).noiseScale).toBeCloseTo(2 * 0.05, 12);
    expect(projectorStep(750, 1000, 2).noiseScale).toBe(0);
  });

  it('W+ inversion of a generated image: MSE falls substantially, latent closer than the mean', () => {
    const meanWp = tf.tidy(() => tf.tile(tf.expandDims(g.meanW().tensor, 1), [1, g.layout.nLatent, 1]));
    const meanImage = tf.tidy(() => g.forward(meanWp as tf.Tensor3D, { noise: 'const' }).image);
    const mse0 = mse(meanImage, target);
    const mse1 = mse(result.reconstruction, target);
    const latMean = mse(meanWp, truth.tensor);
    const latInv = mse(result.latent.tensor, truth.tensor);
    const psnr = tf.tidy(() => psnrPerImage(result.reconstruction, target).dataSync()[0]!);
    const ssim = tf.tidy(() => ssimPerImage(result.reconstruction, target).dataSync()[0]!);
    console.log(`optimize W+ (${STEPS} steps): MSE ${mse0.toFixed(4)} (mean W) → ${mse1.toFixed(5)}; PSNR ${psnr.toFixed(2)} dB, SSIM ${ssim.toFixed(3)}; latent MSE mean ${latMean.toFixed(4)} → ${latInv.toFixed(4)}`);
    expect(result.losses).toHaveLength(STEPS);
    expect(result.latent.space).toBe('w+');
    expect(mse1).toBeLessThan(mse0 * 0.2);
    expect(latInv).toBeLessThan(latMean);
    tf.dispose([meanWp, meanImage]);
  });

  it('W mode optimises one code broadcast to every slot; no leaks', async () => {
    const r = optimizeLatent(g, target, { mode: 'w', steps: 5, wStdSamples: 1000 });
    const codes = tf.tidy(() => tf.max(tf.abs(tf.sub(r.latent.tensor, tf.slice(r.latent.tensor, [0, 0, 0], [1, 1, -1])))).dataSync()[0]!);
    expect(codes).toBe(0);
    tf.dispose([r.latent.tensor, r.reconstruction]);
    expect(
      await leakedTensors(() => {
        const q = optimizeLatent(g, target, { mode: 'w+', steps: 3, wStdSamples: 1000 });
        tf.dispose([q.latent.tensor, q.reconstruction]);
      }),
    ).toBe(0);
  });

  it('pivotal tuning lowers the error, then restores the generator bit-exactly (and keeps it on request)', async () => {
    const snapshot = g.params.entries().map(([n, v]) => [n, v.dataSync().slice()] as const);
    const before = mse(result.reconstruction, target);
    let tunedMse = 0;
    expect(
      await leakedTensors(() => {
        const p = pivotalTune(g, result.latent, target, { steps: 6, lr: 5e-4 });
        tunedMse = mse(p.reconstruction, target);
        expect(p.kept).toBe(false);
        p.reconstruction.dispose();
      }),
    ).toBe(0);
    console.log(`pivotal tuning (6 steps): MSE ${before.toFixed(5)} → ${tunedMse.toFixed(5)}; weights restored`);
    expect(tunedMse).toBeLessThan(before);
    g.params.entries().forEach(([n, v], i) => {
      expect(n).toBe(snapshot[i]![0]);
      expect(Buffer.from(v.dataSync().buffer).equals(Buffer.from(snapshot[i]![1].buffer))).toBe(true);
    });
    // keep: the weights stay tuned (then put them back by hand).
    const p = pivotalTune(g, result.latent, target, { steps: 1, lr: 3e-3, keep: true });
    p.reconstruction.dispose();
    const changed = g.params.entries().some(([, v], i) => !Buffer.from(v.dataSync().buffer).equals(Buffer.from(snapshot[i]![1].buffer)));
    expect(changed).toBe(true);
    g.params.entries().forEach(([, v], i) => v.assign(tf.tensor(snapshot[i]![1], v.shape)));
    g.params.touch();
  });

  it('region swap on the inverted latent changes the swapped region and keeps the rest (editLocality)', () => {
    const donor = g.sampleWPlus(1, 77);
    const locality = (latent: WPlusLatent) => {
      const edited = swapCodes(latent, donor, { regions: ['region_3'] });
      const a = g.synthesize(latent);
      const b = g.synthesize(edited);
      const loc = editLocality({ before: a.image, after: b.image, segBefore: a.seg, segAfter: b.seg, editedClasses: [3] });
      const change = mse(a.image, b.image);
      tf.dispose([edited.tensor, a, b]);
      return { ...loc, change };
    };
    const inv = locality(result.latent);
    const ref = locality(truth);
    console.log(
      `region_3 swap: inverted latent → pixel MSE change ${inv.change.toFixed(4)}, outside fraction ${inv.outsideFraction.toFixed(3)}, other-class IoU ${inv.meanIou.toFixed(3)}; ` +
        `same swap on the ground-truth latent → outside ${ref.outsideFraction.toFixed(3)}, IoU ${ref.meanIou.toFixed(3)}`,
    );
    expect(inv.change).toBeGreaterThan(1e-4);
    expect(inv.outsideFraction).toBeLessThan(0.5);
    expect(inv.outsideFraction).toBeLessThanOrEqual(ref.outsideFraction + 0.1);
    donor.tensor.dispose();
  });

  it('masked inversion: only the chosen region’s codes move, the loss is weighted by its mask', () => {
    const r = invert(g, target, { method: 'optimize', steps: 30, wStdSamples: 1000, mask: { regions: ['region_2'] } });
    expect(r.weight!.shape).toEqual([1, 32, 32, 1]);
    const meanWp = tf.tidy(() => tf.tile(tf.expandDims(g.meanW().tensor, 1), [1, g.layout.nLatent, 1]));
    const moved = tf.tidy(() => tf.max(tf.abs(tf.sub(r.latent.tensor, meanWp)), 2).dataSync());
    const slots = [g.layout.baseLayers + 4, g.layout.baseLayers + 5]; // region_2 shape + texture
    moved.forEach((d, s) => (slots.includes(s) ? expect(d).toBeGreaterThan(0) : expect(d).toBe(0)));
    console.log(`masked (region_2) MSE inside the mask: ${r.mse[0]!.toFixed(4)} → ${r.mse[r.mse.length - 1]!.toFixed(4)}`);
    expect(r.mse[r.mse.length - 1]!).toBeLessThan(r.mse[0]!);
    tf.dispose([meanWp, r.latent.tensor, r.reconstruction, r.seg, r.weight!]);
  });
});
