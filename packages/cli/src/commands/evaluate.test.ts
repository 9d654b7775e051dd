import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromOfficialArgs, FACE_REGIONS, imagesToPixels, initBackend, SemanticStyleGAN } from '@semstyle/core';
import { createTestingGenerator, expectCodeAsync } from '@semstyle/core/testing';
import { loadAttributeClassifier, loadFaceParser, type AttributeClassifier, type FaceParser } from '@semstyle/datasets';
import { calcMetric } from '@semstyle/metrics';
import { writePng } from '../png.js';
import { evaluateFaceModel } from './evaluate.js';

/** A 32 px generator with the 13 face regions (random weights): fast, and the parser's class set. */
const faceArgs = { size: 32, latent: 32, n_mlp: 2, seg_dim: 13, local_layers: 4, base_layers: 1, depth_layers: 2, local_channel: 8, coarse_channel: 16, coarse_size: 16, min_feat_size: 8, transparent_dims: [], residual_refine: true, channels: { 4: 16, 8: 16, 16: 16, 32: 16 } };

describe('evaluateFaceModel', () => {
  let dir: string;
  let generator: SemanticStyleGAN;
  let classifier: AttributeClassifier;
  let parser: FaceParser;
  const num = 8;
  const batch = 4;
  let realFiles: string[];

  beforeAll(async () => {
    await initBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'semstyle-evaluate-'));
    generator = SemanticStyleGAN.random(configFromOfficialArgs(faceArgs), 3);
    classifier = await loadAttributeClassifier();
    parser = await loadFaceParser();
    // "Real" faces = the generator's own samples, drawn exactly as the evaluation draws its fakes (seed 0,
    // batch 4), written twice: half A and half B are then the fake set itself, up to PNG quantisation.
    realFiles = [];
    for (const half of ['a', 'b']) {
      for (let start = 0; start < num; start += batch) {
        const latent = generator.sampleWPlus(batch, start, { truncation: 1 });
        const out = generator.synthesize(latent);
        const pixels = await imagesToPixels(out.image);
        tf.dispose([latent.tensor, out.image, out.seg, out.segCoarse, out.depths, out.masks]);
        for (let i = 0; i < pixels.length; i++) {
          const file = join(dir, `${half}${String(start + i).padStart(3, '0')}.png`);
          await writePng(file, pixels[i]!);
          realFiles.push(file);
        }
      }
    }
  });
  afterAll(() => {
    generator.dispose();
    classifier.dispose();
    parser.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores a generator against its own samples at the floor, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const r = await evaluateFaceModel({ generator, realFiles, num, batchSize: batch, classifier, parser });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.samplesPerSide).toBe(num);
    // Identical halves: the floor is zero; the fakes equal them up to 8-bit quantisation.
    expect(r.fidFloor).toBeCloseTo(0, 6);
    expect(r.fid).toBeGreaterThanOrEqual(0);
    expect(r.fid).toBeLessThan(0.1);
    // Other fakes (seed 7) are measurably farther: the figure discriminates, not just sits at zero.
    const other = await evaluateFaceModel({ generator, realFiles, num, batchSize: batch, classifier, parser, seed: 7 });
    expect(other.fid).toBeGreaterThan(10 * r.fid);
    expect(Number.isFinite(r.kid) && Number.isFinite(r.kidFloor)).toBe(true);
    expect(r.maskMeanIoU).toBeGreaterThanOrEqual(0);
    expect(r.maskMeanIoU).toBeLessThanOrEqual(1);
    expect(r.maskPixelAccuracy).toBeGreaterThanOrEqual(0);
    expect(Object.keys(r.maskIoUPerClass)).toEqual([...FACE_REGIONS]);
  });

  it('reports class shares: the generator\'s final and coarse masks, counted by hand, and the parser\'s on fakes equal to the reals', async () => {
    const r = await evaluateFaceModel({ generator, realFiles, num, batchSize: batch, classifier, parser });
    const counts = new Array<number>(FACE_REGIONS.length).fill(0);
    const coarseCounts = new Array<number>(FACE_REGIONS.length).fill(0);
    let total = 0;
    let coarseTotal = 0;
    for (let start = 0; start < num; start += batch) {
      const latent = generator.sampleWPlus(batch, start, { truncation: 1 });
      const out = generator.synthesize(latent);
      const labels = tf.argMax(out.seg, 3);
      for (const c of await labels.data()) counts[c]!++;
      total += labels.size;
      // The coarse mask: the largest softmax weight per coarse pixel, read off the array by hand.
      const m = (await out.masks.array()) as number[][][][];
      for (const row of m.flat(2)) coarseCounts[row.indexOf(Math.max(...row))]!++, coarseTotal++;
      tf.dispose([labels, latent.tensor, out.image, out.seg, out.segCoarse, out.depths, out.masks]);
    }
    expect(coarseTotal).toBe(num * generator.config.coarseSize ** 2);
    for (const [c, name] of FACE_REGIONS.entries()) {
      expect(r.classShare.generator[name]).toBeCloseTo(counts[c]! / total, 12);
      expect(r.classShare.generatorCoarse[name]).toBeCloseTo(coarseCounts[c]! / coarseTotal, 12);
      // Half A is the fake set written to PNG: the parser reads both (almost) alike.
      expect(Math.abs(r.classShare.parserOnReal[name]! - r.classShare.parserOnGenerated[name]!)).toBeLessThan(0.01);
    }
    for (const shares of Object.values(r.classShare)) expect(Object.values(shares).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('measures code-swap locality on the parser\'s masks only when asked, leaking nothing', async () => {
    expect((await evaluateFaceModel({ generator, realFiles, num, batchSize: batch, classifier, parser })).regionSwap).toBeUndefined();
    const before = tf.memory().numTensors;
    const r = await evaluateFaceModel({ generator, realFiles, num, batchSize: batch, classifier, parser, swapPairs: 4 });
    expect(tf.memory().numTensors).toBe(before);
    const swap = r.regionSwap!;
    expect(swap.pairs).toBe(4);
    expect(Object.keys(swap.outsideFraction)).toEqual(FACE_REGIONS.slice(1));
    expect(Object.keys(swap.pooledOutsideFraction)).toEqual(FACE_REGIONS.slice(1));
    // The same figures as edit_locality run directly with the parser's logits as masks.
    const direct = await calcMetric('edit_locality', { generator, num: 4, parser: (images) => parser.logits(images) });
    for (const k of FACE_REGIONS.slice(1)) {
      expect(swap.outsideFraction[k]).toBeCloseTo(direct.values[`outside_fraction/${k}`]!, 9);
      expect(swap.pooledOutsideFraction[k]).toBeCloseTo(direct.values[`pooled_outside_fraction/${k}`]!, 9);
      expect(swap.outsideFraction[k]).toBeGreaterThanOrEqual(0);
      expect(swap.outsideFraction[k]).toBeLessThanOrEqual(1);
    }
    await expectCodeAsync(() => evaluateFaceModel({ generator, realFiles, num, classifier, parser, swapPairs: -1 }), 'E_INVALID_ARGUMENT');
  });

  it('refuses too few real images, non-face region sets and bad sizes with typed errors', async () => {
    await expectCodeAsync(() => evaluateFaceModel({ generator, realFiles: realFiles.slice(0, 5), num, classifier, parser }), 'E_INVALID_ARGUMENT');
    await expectCodeAsync(() => evaluateFaceModel({ generator, realFiles, num: 1, classifier, parser }), 'E_INVALID_ARGUMENT');
    const tiny = createTestingGenerator();
    try {
      await expectCodeAsync(() => evaluateFaceModel({ generator: tiny, realFiles, num, classifier, parser }), 'E_CONFIG');
    } finally {
      tiny.dispose();
    }
  });
});
