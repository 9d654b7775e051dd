import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionSlots, type WPlusLatent } from '@semstyle/core';
import { createTestingGenerator, leakedTensors } from '@semstyle/core/testing';
import { makeDirection } from './direction.js';
import { edit } from './edit.js';
import { calibrateStrength, compareAtEqualChange, createEditEvaluator } from './evaluate.js';
import { concatSamples, generateSamples } from './samples.js';
import { attributeClassifierScorers, regionAreaScorer, runScorers, sharedScorers, type AttributeClassifierLike } from './scorers.js';
import { expectCode, expectCodeAsync, useWasm } from './test-support/setup.js';

// The testing generator: 32×32, K = 4 (background, region_1, region_2, region_3), W+ 9 slots × 32.
let g: ReturnType<typeof createTestingGenerator>;

beforeAll(async () => {
  await useWasm();
  g = createTestingGenerator();
  const warm = g.sampleWPlus(1, 0);
  tf.dispose([warm.tensor, g.synthesize(warm)]);
});
afterAll(() => g.dispose());

describe('sampling in pieces', () => {
  it('start … n−1 of a sequence equals the tail of the whole run; concatSamples joins pieces back', async () => {
    const scorers = { area: regionAreaScorer({ regions: 'region_2' }) };
    for (const regionMixing of [false, true]) {
      const whole = await generateSamples(g, { n: 7, seed: 5, space: 'w+', regionMixing, scorers, batchSize: 3 });
      const head = await generateSamples(g, { n: 3, seed: 5, space: 'w+', regionMixing, scorers, batchSize: 2 });
      const starts: number[] = [];
      const tail = await generateSamples(g, { n: 7, start: 3, seed: 5, space: 'w+', regionMixing, scorers, batchSize: 2, onBatch: (b) => void starts.push(b.start) });
      expect(tail.n).toBe(4);
      expect(starts).toEqual([3, 5]); // batch indices are absolute
      const joined = concatSamples([head, tail]);
      expect(joined.n).toBe(7);
      expect(Array.from(joined.latents)).toEqual(Array.from(whole.latents));
      expect(Array.from(joined.scores.area!)).toEqual(Array.from(whole.scores.area!));
      expect(joined.z === null ? null : Array.from(joined.z)).toEqual(whole.z === null ? null : Array.from(whole.z));
    }
  });

  it('rejects a bad start and pieces made differently', async () => {
    await expectCodeAsync(() => generateSamples(g, { n: 3, start: 3, seed: 0, space: 'w' }), 'E_INVALID_ARGUMENT');
    await expectCodeAsync(() => generateSamples(g, { n: 3, start: -1, seed: 0, space: 'w' }), 'E_INVALID_ARGUMENT');
    const a = await generateSamples(g, { n: 2, seed: 0, space: 'w' });
    const b = await generateSamples(g, { n: 2, seed: 1, space: 'w' });
    const c = await generateSamples(g, { n: 2, seed: 0, space: 'w', scorers: { area: regionAreaScorer({ regions: 'region_1' }) } });
    expectCode(() => concatSamples([a, b]), 'E_INVALID_ARGUMENT');
    expectCode(() => concatSamples([a, c]), 'E_INVALID_ARGUMENT');
    expectCode(() => concatSamples([]), 'E_INVALID_ARGUMENT');
  });
});

describe('shared and classifier scorers', () => {
  // A stand-in for the datasets package's AttributeClassifier: logits = mean R, mean G; value = mean B.
  let calls = 0;
  const classifier: AttributeClassifierLike = {
    binary: ['red', 'green'],
    regression: ['blue'],
    predictTensors(images) {
      calls++;
      return tf.tidy(() => {
        const m = tf.mean(images, [1, 2]) as tf.Tensor2D; // [N, 3]
        return { logits: tf.slice(m, [0, 0], [-1, 2]), values: tf.slice(m, [0, 2], [-1, 1]) };
      });
    },
  };

  it('one classifier pass per batch gives every head, by logit or value, with a prefix', async () => {
    const images = tf.tensor4d([0.5, -0.5, 0.25, 0.5, -0.5, 0.25, -1, 1, 0, -1, 1, 0], [2, 1, 2, 3]);
    const masks = tf.ones([2, 1, 2, 4]) as tf.Tensor4D;
    const scorers = attributeClassifierScorers(classifier, { prefix: 'clf.' });
    expect(Object.keys(scorers)).toEqual(['clf.red', 'clf.green', 'clf.blue']);
    calls = 0;
    let scores: Record<string, Float32Array> = {};
    expect(await leakedTensors(async () => { scores = await runScorers(scorers, { images, masks, regions: g.regions }, 2); })).toBe(0);
    expect(calls).toBe(1);
    expect(Array.from(scores['clf.red']!)).toEqual([0.5, -1]);
    expect(Array.from(scores['clf.green']!)).toEqual([-0.5, 1]);
    expect(Array.from(scores['clf.blue']!)).toEqual([0.25, 0]);
    // A second batch computes again.
    const other = tf.zeros([2, 1, 2, 3]) as tf.Tensor4D;
    await runScorers(scorers, { images: other, masks, regions: g.regions }, 2);
    expect(calls).toBe(2);
    const only = attributeClassifierScorers(classifier, { attributes: ['blue'] });
    expect(Object.keys(only)).toEqual(['blue']);
    expectCode(() => attributeClassifierScorers(classifier, { attributes: ['purple'] }), 'E_INVALID_ARGUMENT');
    expectCode(() => sharedScorers([], () => ({})), 'E_INVALID_ARGUMENT');
    tf.dispose([images, masks, other]);
  });
});

describe('edit evaluation and strength calibration', () => {
  it('calibrateStrength finds the strength of a target value on a monotone curve, and says when it cannot', async () => {
    const curve = async (s: number) => 3 * s ** 1.5;
    const r = await calibrateStrength(curve, (v) => v, 10, { tolerance: 0.01 });
    expect(r.reached).toBe(true);
    expect(Math.abs(r.value - 10)).toBeLessThanOrEqual(0.1);
    expect(r.strength).toBeCloseTo((10 / 3) ** (2 / 3), 1);
    expect(r.steps.length).toBeLessThanOrEqual(12);
    // Doubling stops at max; the closest value is returned, not reached.
    const capped = await calibrateStrength(async (s: number) => Math.min(s, 2), (v) => v, 5, { max: 16 });
    expect(capped.reached).toBe(false);
    expect(capped.value).toBe(2);
    expect(capped.steps.map((s) => s.strength)).toEqual([1, 2, 4, 8, 16]);
    // Already there at the first try.
    const first = await calibrateStrength(async (s: number) => s, (v) => v, 1);
    expect(first.steps).toHaveLength(1);
    await expectCodeAsync(() => calibrateStrength(curve, (v) => v, 0), 'E_INVALID_ARGUMENT');
    await expectCodeAsync(() => calibrateStrength(curve, (v) => v, 1, { initial: 4, max: 2 }), 'E_INVALID_ARGUMENT');
  });

  it('measures the score change and locality of an edit; a restricted edit moves only its codes, and no edit is a zero change', async () => {
    const latent = g.sampleWPlus(6, 11);
    const region = 'region_2';
    const scorer = regionAreaScorer({ regions: region });
    const evaluator = await createEditEvaluator(g, latent, { scorer, regions: [region], batchSize: 4 });
    expect(evaluator.n).toBe(6);
    const same = await evaluator.evaluate(latent);
    expect(same.scoreChange).toBe(0);
    expect(same.outsideFraction).toBe(0);
    expect(same.meanIou).toBe(1);
    expect(same.latentDistance).toBe(0);
    // Move region_2's codes along a fixed random vector: the W+ distance is the strength.
    const slots = regionSlots(g.layout, [region]);
    const vector = new Float32Array(g.layout.nLatent * g.layout.styleDim);
    for (const s of slots) for (let j = 0; j < g.layout.styleDim; j++) vector[s * g.layout.styleDim + j] = Math.sin(7 * j + s);
    const direction = makeDirection('w+', vector, { layout: g.layout });
    const moved = edit(latent, direction, 4);
    let r: Awaited<ReturnType<typeof evaluator.evaluate>> | undefined;
    expect(await leakedTensors(async () => { r = await evaluator.evaluate(moved); })).toBe(0);
    expect(r!.latentDistance).toBeCloseTo(4, 3);
    expect(r!.outsideFraction).toBeGreaterThan(0);
    expect(r!.outsideFraction).toBeLessThan(1);
    expect(r!.scoreChangePerImage).toHaveLength(6);
    expect(r!.scoreChange).toBeCloseTo(r!.scoreAfter - r!.scoreBefore, 6);
    expect(r!.shareIncreased).toBeGreaterThanOrEqual(0);
    // The same numbers as the metrics package's editLocality measured by hand on the same renders.
    const a = g.synthesize(latent);
    const b = g.synthesize(moved);
    const { editLocality } = await import('@semstyle/metrics');
    const direct = editLocality({ before: a.image, after: b.image, segBefore: a.seg, segAfter: b.seg, editedClasses: [2] });
    expect(r!.outsideFraction).toBeCloseTo(direct.outsideFraction, 5);
    tf.dispose([a, b]);
    const wrong = g.sampleWPlus(2, 1);
    await expectCodeAsync(() => evaluator.evaluate(wrong), 'E_SHAPE');
    evaluator.dispose();
    await expectCodeAsync(() => evaluator.evaluate(latent), 'E_INVALID_ARGUMENT');
    await expectCodeAsync(() => createEditEvaluator(g, latent, { scorer, regions: ['mouth'] }), 'E_UNKNOWN_REGION');
    expect(await leakedTensors(async () => { (await createEditEvaluator(g, latent, { scorer, regions: [region] })).dispose(); })).toBe(0);
    tf.dispose([latent.tensor, moved.tensor, wrong.tensor]);
  });

  it('calibrates a region edit to a target score change on the testing generator', async () => {
    const latent: WPlusLatent = g.sampleWPlus(8, 12);
    const region = 'region_2';
    const evaluator = await createEditEvaluator(g, latent, { scorer: regionAreaScorer({ regions: region }), regions: [region] });
    // Direction: region_2's codes along the mean W+ difference between its largest- and smallest-area samples.
    const samples = await generateSamples(g, { n: 120, seed: 3, space: 'w+', regionMixing: true, scorers: { area: regionAreaScorer({ regions: region }) } });
    const order = Array.from(samples.scores.area!.keys()).sort((i, j) => samples.scores.area![j]! - samples.scores.area![i]!);
    const dim = g.layout.nLatent * g.layout.styleDim;
    const v = new Float32Array(dim);
    const slots = new Set(regionSlots(g.layout, [region]));
    for (let k = 0; k < 20; k++) {
      for (let j = 0; j < dim; j++) {
        if (!slots.has(Math.floor(j / g.layout.styleDim))) continue;
        v[j] = v[j]! + samples.latents[order[k]! * dim + j]! - samples.latents[order[order.length - 1 - k]! * dim + j]!;
      }
    }
    const direction = makeDirection('w+', v, { layout: g.layout });
    const cal = await calibrateStrength(
      async (s) => {
        const edited = edit(latent, direction, s);
        try {
          return await evaluator.evaluate(edited);
        } finally {
          edited.tensor.dispose();
        }
      },
      (e) => e.scoreChange,
      0.045,
      { initial: 0.5, max: 32, tolerance: 0.05 },
    );
    // Several methods at equal change: one that cannot reach the target lowers the common target; one
    // that lowers the score fails and is left out.
    const steps: string[] = [];
    const cmp = await compareAtEqualChange(
      evaluator,
      [
        { name: 'full', edit: (s) => edit(latent, direction, s) },
        { name: 'capped', edit: (s) => edit(latent, direction, s), calibration: { max: 1 } },
        { name: 'backwards', edit: (s) => edit(latent, direction, -s), calibration: { max: 2 } },
      ],
      0.045,
      { initial: 0.5, max: 32, tolerance: 0.05, onStep: (m, s) => void steps.push(`${m}@${s}`) },
    );
    expect(cmp.failed).toEqual(['backwards']);
    expect(cmp.target).toBeCloseTo(cmp.methods.capped!.value, 6);
    expect(cmp.target).toBeLessThan(0.045);
    expect(cmp.methods.full!.reached).toBe(true);
    expect(Math.abs(cmp.methods.full!.value - cmp.target)).toBeLessThanOrEqual(0.05 * cmp.target);
    expect(new Set(steps).size).toBe(steps.length); // each (method, strength) evaluated once
    console.log(`[interfacegan] calibration to area change 0.045: ${cal.steps.map((s) => `s=${s.strength.toFixed(2)}→${s.value.toFixed(4)}`).join(', ')}`);
    expect(cal.reached).toBe(true);
    expect(Math.abs(cal.result.scoreChange - 0.045)).toBeLessThanOrEqual(0.05 * 0.045);
    expect(cal.result.latentDistance).toBeCloseTo(cal.strength, 3);
    evaluator.dispose();
    latent.tensor.dispose();
  });
});
