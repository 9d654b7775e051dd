import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FACE_REGIONS } from '@semstyle/core';
import { leakedTensors } from '@semstyle/core/testing';
import {
  baldScorer,
  bandScorer,
  bangsScorer,
  beardScorer,
  classifierScorer,
  regionAreaScorer,
  regionColorScorer,
  runScorers,
  smileScorer,
  withSegmenterMasks,
  type ScoringBatch,
} from './scorers.js';
import { expectCodeAsync, useWasm } from './test-support/setup.js';

beforeAll(useWasm);

const regions: string[] = [...FACE_REGIONS];
const c = (name: string) => regions.indexOf(name);

/**
 * A 10 × 10 face drawn by hand (rows top → bottom). Legend: . background, s skin, h hair, b brows, e eyes,
 * n nose, m mouth. Features box: rows 3–6 (brows … mouth), columns 2–7, height 4.
 */
const FACE = [
  '..hhhhhh..',
  '.hhhhhhhh.',
  '.shhhhhhs.',
  '.sbb..bbs.',
  '.see..ees.',
  '.s..nn..s.',
  '.s.mmmm.s.',
  '.shhhhhhs.',
  '..hhhhhh..',
  '..........',
];
const code: Record<string, string> = { '.': 'background', s: 'skin', h: 'hair', b: 'brows', e: 'eyes', n: 'nose', m: 'mouth' };

function batchOf(pictures: string[][], image?: tf.Tensor4D): ScoringBatch {
  const labels = pictures.flatMap((rows) => rows.flatMap((row) => Array.from(row, (ch) => c(code[ch]!))));
  const n = pictures.length;
  const masks = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), regions.length).toFloat().reshape([n, 10, 10, regions.length])) as tf.Tensor4D;
  return { images: image ?? (tf.zeros([n, 10, 10, 3]) as tf.Tensor4D), masks, regions };
}

describe('mask scorers', () => {
  it('area, bald, smile: hand-counted values', async () => {
    const b = batchOf([FACE]);
    // Hair pixels: 6 + 8 + 6 + 6 + 6 = 32 of 100.
    expect((await regionAreaScorer({ regions: 'hair' })(b))[0]).toBeCloseTo(0.32, 6);
    expect((await baldScorer()(b))[0]).toBeCloseTo(-0.32, 6);
    // Mouth: 4 pixels, box 4 wide × 1 high.
    expect((await smileScorer()(b))[0]).toBeCloseTo(0.04, 6);
    expect((await smileScorer({ measure: 'aspect' })(b))[0]).toBeCloseTo(4, 6);
    expect((await smileScorer({ measure: 'width' })(b))[0]).toBeCloseTo(0.4, 6);
    tf.dispose([b.images, b.masks]);
  });

  it('bangs and beard count hair in bands placed on the facial features', async () => {
    const noBangs = FACE.map((row, y) => (y === 2 ? '.ssssssss.' : row));
    const b = batchOf([FACE, noBangs]);
    // Features box rows 3–6, columns 2–7 (height 4, width 6). Bangs band [−0.5, 0) → rows 1–2, columns 2–7.
    // FACE: rows 1, 2 columns 2–7 are all hair → 12/12. noBangs: row 1 hair (6), row 2 skin → 6/12.
    expect(Array.from(await bangsScorer()(b))).toEqual([1, 0.5]);
    // Beard band [1, 1.6) → rows 7 to round(3 + 6.4) = 9 (exclusive), i.e. rows 7–8, columns 2–7: 12 hair of 12.
    expect(Array.from(await beardScorer()(b))).toEqual([1, 1]);
    const shaved = batchOf([FACE.map((row, y) => (y >= 7 ? '..ssssss..' : row))]);
    expect(Array.from(await beardScorer()(shaved))).toEqual([0]);
    // Missing reference → NaN (skipped by boundary training).
    const empty = batchOf([Array(10).fill('..........')]);
    expect(Number.isNaN((await bandScorer({ target: 'hair', reference: 'mouth', rows: [1, 2] })(empty))[0])).toBe(true);
    tf.dispose([b.images, b.masks, shaved.images, shaved.masks, empty.images, empty.masks]);
  });

  it('region colour, region names for any generator, and typed errors', async () => {
    const image = tf.tidy(() => tf.concat([tf.fill([1, 10, 10, 1], 0.5), tf.fill([1, 10, 10, 2], -1)], 3)) as tf.Tensor4D;
    const b = batchOf([FACE], image);
    expect((await regionColorScorer({ regions: 'mouth', channel: 'r' })(b))[0]).toBeCloseTo(0.5, 6);
    expect((await regionColorScorer({ regions: 'mouth' })(b))[0]).toBeCloseTo(0.2126 * 0.5 - 0.7152 - 0.0722, 5);
    const renamed = { ...b, regions: regions.map((r) => (r === 'hair' ? 'fur' : r)) };
    expect((await regionAreaScorer({ regions: ['fur'] })(renamed))[0]).toBeCloseTo(0.32, 6);
    await expectCodeAsync(async () => baldScorer()(renamed), 'E_UNKNOWN_REGION');
    await expectCodeAsync(() => runScorers({ bad: () => new Float32Array(3) }, b, 1), 'E_SHAPE');
    tf.dispose([b.images, b.masks, image]);
  });

  it('adapts an attribute classifier: resize, value range, length check', async () => {
    const images = tf.fill([2, 8, 8, 3], 0) as tf.Tensor4D;
    const seen: number[][] = [];
    const classify = async (x: tf.Tensor4D) => {
      seen.push([...x.shape, (await x.mean().data())[0]!]);
      return new Float32Array([0.25, 0.75]);
    };
    const batch = { images, masks: tf.zeros([2, 8, 8, 2]) as tf.Tensor4D, regions: ['a', 'b'] };
    expect(Array.from(await classifierScorer(classify, { size: 4, range: [0, 1] })(batch))).toEqual([0.25, 0.75]);
    expect(seen[0]).toEqual([2, 4, 4, 3, 0.5]); // [−1, 1] → [0, 1]: 0 → 0.5
    await expectCodeAsync(async () => classifierScorer(async () => new Float32Array(1))(batch), 'E_SHAPE');
    tf.dispose([images, batch.masks]);
  });

  it('leaks no tensors', async () => {
    const b = batchOf([FACE]);
    const classify = async (x: tf.Tensor4D) => { const m = x.mean([1, 2, 3]); const v = (await m.data()) as Float32Array; m.dispose(); return v; };
    const scorers = {
      area: regionAreaScorer({ regions: 'hair' }), bald: baldScorer(), bangs: bangsScorer(), beard: beardScorer(), smile: smileScorer(),
      color: regionColorScorer({ regions: 'skin' }), cls: classifierScorer(classify, { size: 4, range: [0, 255] }),
    };
    expect(await leakedTensors(() => runScorers(scorers, b, 1))).toBe(0);
    tf.dispose([b.images, b.masks]);
  });
});

describe('withSegmenterMasks', () => {
  it("scores the segmenter's reading of the image, not the generator's masks, and frees it", async () => {
    // The generator's masks say "no mouth" (all skin); the segmenter reads the hand-drawn FACE (4 mouth pixels).
    const generatorMasks = tf.tidy(() => tf.oneHot(tf.fill([1, 10, 10], c('skin'), 'int32'), regions.length).toFloat()) as tf.Tensor4D;
    const parsed = batchOf([FACE]);
    const images = tf.zeros([1, 10, 10, 3]) as tf.Tensor4D;
    let calls = 0;
    const segment = (x: tf.Tensor4D) => {
      calls++;
      expect(x).toBe(images);
      return parsed.masks.clone();
    };
    const batch = { images, masks: generatorMasks, regions };
    expect(Number.isNaN((await smileScorer()(batch))[0]!)).toBe(true);
    expect((await withSegmenterMasks(smileScorer(), segment)(batch))[0]).toBeCloseTo(0.04, 6);
    // Another class convention: the segmenter's own names (here reversed) decide which channel is the mouth.
    const reversedNames = [...regions].reverse();
    const reversed = (x: tf.Tensor4D) => tf.reverse(segment(x), 3) as tf.Tensor4D;
    expect((await withSegmenterMasks(smileScorer(), reversed, reversedNames)(batch))[0]).toBeCloseTo(0.04, 6);
    expect(calls).toBe(2);
    expect(await leakedTensors(() => withSegmenterMasks(smileScorer(), segment)(batch))).toBe(0);
    tf.dispose([generatorMasks, parsed.images, parsed.masks, images]);
  });

  it('rejects a segmenter output with the wrong batch or class count (E_SHAPE), freeing it', async () => {
    const images = tf.zeros([2, 10, 10, 3]) as tf.Tensor4D;
    const masks = tf.zeros([2, 10, 10, regions.length]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    await expectCodeAsync(async () => withSegmenterMasks(smileScorer(), () => tf.zeros([2, 10, 10, 3]) as tf.Tensor4D)({ images, masks, regions }), 'E_SHAPE');
    await expectCodeAsync(async () => withSegmenterMasks(smileScorer(), () => tf.zeros([1, 10, 10, regions.length]) as tf.Tensor4D)({ images, masks, regions }), 'E_SHAPE');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([images, masks]);
  });
});
