import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FileError, InputError, imagesToPixels, type LatentSpace, type SemanticGeneratorV1 } from '@semstyle/core';
import { readFileBytes, writeFileAtomic } from '@semstyle/core/node';
import { samplesFromBytes, samplesToBytes } from '../io.js';
import {
  concatSamples,
  generateSamples,
  generatorConfigHash,
  generatorFingerprint,
  type GeneratedBatch,
  type LatentSamples,
  type SampleOptions,
  type SampleProgress,
} from '../samples.js';
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

export interface WriteSampleDirOptions<S extends LatentSpace> extends Omit<SampleOptions<S>, 'onBatch' | 'start'> {
  /** Save images and label maps as PNGs (default true) so scoring can be redone without regenerating. */
  readonly saveImages?: boolean;
  /**
   * Continue what an earlier call left in `dir` (default true): samples already saved are loaded, not
   * regenerated — after an interruption, or to grow `n`. The earlier run must have used the same seed,
   * space, truncation, region mixing, generator (config and weights: `generatorFingerprint`) and scorer names (else `FileError`
   * E_CONFIG_MISMATCH). `false` regenerates everything.
   */
  readonly resume?: boolean;
  /** Samples per piece written to disk while sampling (default 256): at most this many are lost to an interruption. */
  readonly chunkSize?: number;
  /** Called once when samples already on disk are reused: how many. */
  readonly onResume?: (info: { readonly done: number; readonly total: number }) => void;
}

/** Progress file of a sample directory: what was asked for, and which pieces hold which samples. */
export const SAMPLING_FILE = 'sampling.json';
const SAMPLING_FORMAT = 'semstyle.interfacegan.sampling.v1';

interface SamplingSettings {
  readonly seed: number;
  readonly space: LatentSpace;
  readonly truncation: number;
  readonly regionMixing: boolean;
  readonly generatorHash: string;
  /** `generatorFingerprint`: the weights too (another checkpoint of the same config differs). */
  readonly generatorFingerprint: string;
  readonly scorers: readonly string[];
  readonly saveImages: boolean;
}

interface SamplingManifest {
  readonly format: typeof SAMPLING_FORMAT;
  readonly settings: SamplingSettings;
  /** Files holding samples [start, end), contiguous from 0. */
  readonly pieces: readonly { readonly file: string; readonly start: number; readonly end: number }[];
}

async function readManifest(dir: string): Promise<SamplingManifest | null> {
  let text: string;
  try {
    text = await readFile(join(dir, SAMPLING_FILE), 'utf8');
  } catch {
    return null;
  }
  const m = JSON.parse(text) as SamplingManifest;
  return m.format === SAMPLING_FORMAT ? m : null;
}

function describeSettings(s: SamplingSettings): string {
  return `seed ${s.seed}, space ${s.space}, truncation ${s.truncation}, region mixing ${s.regionMixing}, scorers [${s.scorers.join(', ')}], images ${s.saveImages}, generator config ${s.generatorHash.slice(0, 19)}…, weights ${String(s.generatorFingerprint).slice(0, 19)}…`;
}

/** The first n samples of a set (copies). */
function headSamples<S extends LatentSpace>(s: LatentSamples<S>, n: number): LatentSamples<S> {
  if (n >= s.n) return s;
  const per = s.latents.length / s.n;
  return {
    ...s,
    n,
    latents: s.latents.slice(0, n * per),
    z: s.z === null ? null : s.z.slice(0, n * s.styleDim),
    scores: Object.fromEntries(Object.entries(s.scores).map(([k, v]) => [k, v.slice(0, n)])),
  };
}

/** Only these scores (pieces rescored later may carry more). */
function keepScores<S extends LatentSpace>(s: LatentSamples<S>, names: readonly string[]): LatentSamples<S> {
  return { ...s, scores: Object.fromEntries(names.filter((k) => s.scores[k] !== undefined).map((k) => [k, s.scores[k]!])) };
}

/**
 * `generateSamples` that also writes every image and label map, then the latents and scores, to `dir` —
 * resumably: samples are generated in pieces of `chunkSize`, each saved under `chunks/` and recorded in
 * `sampling.json`; a later call with the same settings reuses them (and can grow `n`). When all `n`
 * samples exist they are merged into `latents.safetensors` + `scores.json` and the pieces are removed.
 */
export async function writeSampleDir<S extends LatentSpace>(generator: SemanticGeneratorV1, dir: string, options: WriteSampleDirOptions<S>): Promise<LatentSamples<S>> {
  const saveImages = options.saveImages ?? true;
  const chunkSize = options.chunkSize ?? 256;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new InputError('E_INVALID_ARGUMENT', `chunkSize must be a positive integer, got ${chunkSize}.`);
  if (!Number.isInteger(options.n) || options.n < 1) throw new InputError('E_INVALID_ARGUMENT', `n must be a positive integer, got ${options.n}.`);
  const settings: SamplingSettings = {
    seed: options.seed,
    space: options.space,
    truncation: options.truncation ?? 1,
    regionMixing: options.regionMixing ?? false,
    generatorHash: await generatorConfigHash(generator.config),
    generatorFingerprint: await generatorFingerprint(generator),
    scorers: Object.keys(options.scorers ?? {}).sort(),
    saveImages,
  };
  const { resume: _resume, chunkSize: _chunk, saveImages: _save, onResume: _onResume, ...sampleOptions } = options;
  const onBatch = async (batch: GeneratedBatch) => {
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
  };

  // What is on disk already.
  let pieces: { file: string; start: number; end: number }[] = [];
  const previous = (options.resume ?? true) ? await readManifest(dir) : null;
  if (previous !== null) {
    const a = previous.settings;
    const same =
      a.seed === settings.seed &&
      a.space === settings.space &&
      a.truncation === settings.truncation &&
      a.regionMixing === settings.regionMixing &&
      a.generatorHash === settings.generatorHash &&
      a.generatorFingerprint === settings.generatorFingerprint &&
      a.saveImages === settings.saveImages &&
      a.scorers.join('\u0000') === settings.scorers.join('\u0000');
    if (!same) {
      throw new FileError(
        'E_CONFIG_MISMATCH',
        `${dir} holds samples made with other settings (${describeSettings(a)}); asked for ${describeSettings(settings)}. Use another folder, or resume: false to regenerate.`,
        { details: { dir, previous: a, requested: settings } },
      );
    }
    let next = 0;
    for (const p of previous.pieces) {
      if (p.start !== next || !(await exists(join(dir, p.file)))) break;
      pieces.push({ ...p });
      next = p.end;
    }
  }
  const done = pieces.length === 0 ? 0 : pieces[pieces.length - 1]!.end;
  if (done > 0) options.onResume?.({ done: Math.min(done, options.n), total: options.n });
  const writeManifest = () =>
    writeFileAtomic(join(dir, SAMPLING_FILE), `${JSON.stringify({ format: SAMPLING_FORMAT, settings, pieces } satisfies SamplingManifest, null, 1)}\n`);

  for (let start = done; start < options.n; start += chunkSize) {
    const end = Math.min(options.n, start + chunkSize);
    const onProgress = options.onProgress;
    const piece = await generateSamples(generator, {
      ...sampleOptions,
      n: end,
      start,
      ...(saveImages ? { onBatch } : {}),
      ...(onProgress ? { onProgress: (p: SampleProgress) => onProgress({ done: p.done, total: options.n }) } : {}),
    });
    const file = `chunks/${pad(start)}-${pad(end)}.safetensors`;
    await writeFileAtomic(join(dir, file), samplesToBytes(piece));
    pieces.push({ file, start, end });
    await writeManifest();
  }

  if (pieces.length === 1 && pieces[0]!.file === LATENTS_FILE) {
    // Everything asked for was there already, merged.
    return headSamples(samplesFromBytes(await readFileBytes(join(dir, LATENTS_FILE))) as LatentSamples<S>, options.n);
  }
  const parts: LatentSamples<S>[] = [];
  for (const p of pieces) parts.push(keepScores(samplesFromBytes(await readFileBytes(join(dir, p.file))) as LatentSamples<S>, settings.scorers));
  const merged = concatSamples(parts);
  // The merged file first, then the manifest, then drop the pieces (a crash in between leaves a usable folder).
  await saveSamples(dir, merged);
  pieces = [{ file: LATENTS_FILE, start: 0, end: merged.n }];
  await writeManifest();
  await rm(join(dir, 'chunks'), { recursive: true, force: true });
  return headSamples(merged, options.n);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
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
