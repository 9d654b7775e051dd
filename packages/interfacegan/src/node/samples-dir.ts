import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { InputError, imagesToPixels, type LatentSpace, type SemanticGeneratorV1 } from '@semstyle/core';
import { readFileBytes, writeFileAtomic } from '@semstyle/core/node';
import { samplesFromBytes, samplesToBytes } from '../io.js';
import { generateSamples, type LatentSamples, type SampleOptions, type SampleProgress } from '../samples.js';
import { runScorers, type Scorer } from '../scorers.js';
import { decodePng, encodeGreyPng, encodeRgbPng } from './png.js';

/**
 * A sample directory:
 *   latents.safetensors   latents (+ z, + scores) with metadata (see `samplesToBytes`)
 *   scores.json           {name: [score, …]} (null for NaN), the same scores readable by people
 *   images/000000.png     RGB 8-bit (when images were saved)
 *   labels/000000.png     grey 8-bit, pixel = class index (argmax of the segmentation)
 */
export const LATENTS_FILE = 'latents.safetensors';
export const SCORES_FILE = 'scores.json';

const pad = (i: number) => String(i).padStart(6, '0');

/** Write latents + scores (safetensors and JSON). */
export async function saveSamples(dir: string, samples: LatentSamples): Promise<void> {
  await writeFileAtomic(join(dir, LATENTS_FILE), samplesToBytes(samples));
  const scores = Object.fromEntries(Object.entries(samples.scores).map(([k, v]) => [k, Array.from(v, (x) => (Number.isFinite(x) ? x : null))]));
  await writeFileAtomic(join(dir, SCORES_FILE), `${JSON.stringify(scores)}\n`);
}

/** Read a sample directory's latents and scores (E_FILE_NOT_FOUND when it has none). */
export async function loadSamples(dir: string): Promise<LatentSamples> {
  return samplesFromBytes(await readFileBytes(join(dir, LATENTS_FILE)));
}

export interface WriteSampleDirOptions<S extends LatentSpace> extends Omit<SampleOptions<S>, 'onBatch'> {
  /** Save images and label maps as PNGs (default true) so scoring can be redone without regenerating. */
  readonly saveImages?: boolean;
}

/** `generateSamples` that also writes every image and label map, then the latents and scores, to `dir`. */
export async function writeSampleDir<S extends LatentSpace>(generator: SemanticGeneratorV1, dir: string, options: WriteSampleDirOptions<S>): Promise<LatentSamples<S>> {
  const saveImages = options.saveImages ?? true;
  const samples = await generateSamples(generator, {
    ...options,
    ...(saveImages
      ? {
          onBatch: async (batch) => {
            const pics = await imagesToPixels(batch.images);
            const labels = tf.argMax(batch.seg, 3);
            const data = (await labels.data()) as Int32Array;
            labels.dispose();
            const [, h, w] = batch.seg.shape;
            for (let i = 0; i < pics.length; i++) {
              const idx = batch.start + i;
              await writeFileAtomic(join(dir, 'images', `${pad(idx)}.png`), encodeRgbPng(pics[i]!));
              await writeFileAtomic(join(dir, 'labels', `${pad(idx)}.png`), encodeGreyPng(w, h, Uint8Array.from(data.subarray(i * h * w, (i + 1) * h * w))));
            }
          },
        }
      : {}),
  });
  await saveSamples(dir, samples);
  return samples;
}

export interface RescoreOptions {
  readonly batchSize?: number;
  readonly onProgress?: (progress: SampleProgress) => void;
  /** Write the new scores back into the directory (default true). */
  readonly save?: boolean;
}

/**
 * Score a saved sample directory again from its PNGs — no generator needed. Scorers receive images in
 * [−1, 1] and one-hot masks of the saved label maps (mask scorers use hard labels, so their scores equal
 * those computed at generation time). New scores are added (same names replaced) and saved.
 */
export async function rescoreSampleDir(dir: string, scorers: Readonly<Record<string, Scorer>>, options: RescoreOptions = {}): Promise<LatentSamples> {
  const samples = await loadSamples(dir);
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError('E_INVALID_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}.`);
  const regions = samples.layout.regionNames;
  const K = regions.length;
  const names = Object.keys(scorers);
  const scores: Record<string, Float32Array> = Object.fromEntries(names.map((n) => [n, new Float32Array(samples.n)]));
  for (let start = 0; start < samples.n; start += batchSize) {
    const count = Math.min(batchSize, samples.n - start);
    let h = 0;
    let w = 0;
    let rgb: Float32Array | undefined;
    let lab: Int32Array | undefined;
    for (let i = 0; i < count; i++) {
      const image = decodePng(await readFileBytes(join(dir, 'images', `${pad(start + i)}.png`)));
      const label = decodePng(await readFileBytes(join(dir, 'labels', `${pad(start + i)}.png`)));
      if (rgb === undefined) {
        ({ width: w, height: h } = image);
        rgb = new Float32Array(count * h * w * 3);
        lab = new Int32Array(count * h * w);
      }
      if (image.width !== w || image.height !== h || label.width !== w || label.height !== h) {
        throw new InputError('E_SHAPE', `Sample ${start + i}: image/label sizes differ from ${w}×${h}.`);
      }
      for (let p = 0; p < h * w; p++) {
        for (let c = 0; c < 3; c++) rgb[(i * h * w + p) * 3 + c] = image.rgba[p * 4 + c]! / 127.5 - 1;
        const k = label.rgba[p * 4]!;
        if (k >= K) throw new InputError('E_SHAPE', `Sample ${start + i}: label ${k} is not a class of this model (K = ${K}).`);
        lab![i * h * w + p] = k;
      }
    }
    const images = tf.tensor4d(rgb!, [count, h, w, 3]);
    const masks = tf.tidy(() => tf.oneHot(tf.tensor1d(lab!, 'int32'), K).reshape([count, h, w, K]).toFloat()) as tf.Tensor4D;
    try {
      const batch = await runScorers(scorers, { images, masks, regions }, count);
      for (const [name, values] of Object.entries(batch)) scores[name]!.set(values, start);
    } finally {
      tf.dispose([images, masks]);
    }
    options.onProgress?.({ done: start + count, total: samples.n });
  }
  const updated: LatentSamples = { ...samples, scores: { ...samples.scores, ...scores } };
  if (options.save ?? true) await saveSamples(dir, updated);
  return updated;
}
