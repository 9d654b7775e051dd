import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { FileError, InputError } from '@semstyle/core';

import { ATTRIBUTE_SCHEMA, faceAttributes } from './attributes.js';
import { CLASS_NAMES, classMapToJson, resolveClassMap, type ClassMap } from './classes.js';
import { describeFace } from './face.js';
import { ioError, pngFileComplete, writeFileAtomic } from './io.js';
import { faceFileName, runFaceJob, type FaceJob } from './job.js';
import { RenderPool } from './pool.js';
import { faceSeed } from './prng.js';
import { assertSeed, assertSize } from './render.js';
import { VIEW_BOX } from './svg.js';

export const GENERATOR_NAME = '@semstyle/datasets/faces';
export const GENERATOR_VERSION = '0.1.0';
/** The facesjs release the label splitting and attribute id lists were written against. */
export const FACESJS_VERSION = '5.0.3';

export interface FaceDatasetProgress {
  /** Faces finished, rendered or skipped. */
  done: number;
  total: number;
  rendered: number;
  /** Faces already complete on disk (resume). */
  skipped: number;
}

export interface WriteFaceDatasetOptions {
  /** Number of faces, a positive integer. */
  n: number;
  /** Square image side in pixels, an integer in 1…4096. */
  size: number;
  /** Output directory (created when missing). */
  out: string;
  /** Dataset seed (non-negative safe integer, default 0); face i uses `faceSeed(seed, i)`. */
  seed?: number;
  /** Worker threads (default 1 = render in this thread). */
  workers?: number;
  /** Faces in flight per rendering thread (sharp rasterises off the JS thread; default 4). */
  concurrency?: number;
  /** Feature → class overrides (see README). */
  classMap?: ClassMap;
  /** Delete this dataset's files (images/, labels/, attributes.jsonl, dataset.json) in a non-empty `out` first. */
  overwrite?: boolean;
  /** Continue a dataset with the same generator, size, seed and class map (default true). */
  resume?: boolean;
  onProgress?: (progress: FaceDatasetProgress) => void;
}

export interface WriteFaceDatasetResult {
  out: string;
  n: number;
  size: number;
  seed: number;
  rendered: number;
  skipped: number;
  workers: number;
  ms: number;
}

export interface DatasetManifest {
  format: 'semstyle-faces';
  generator: { name: string; version: string; facesjs: string };
  n: number;
  size: number;
  seed: number;
  complete: boolean;
  classes: readonly string[];
  classMap: Record<string, string>;
  viewBox: readonly number[];
  faceSeed: string;
  layout: Record<string, string>;
  attributes: typeof ATTRIBUTE_SCHEMA;
}

const positiveInt = (name: string, value: unknown, max = Number.MAX_SAFE_INTEGER) => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new InputError('E_INVALID_ARGUMENT', `${name} must be an integer from 1 to ${max}, got ${String(value)}.`, { details: { [name]: value } });
  }
};

const OWN_ENTRIES = ['images', 'labels', 'attributes.jsonl', 'dataset.json'];

function sameSetup(a: Partial<DatasetManifest>, b: DatasetManifest): boolean {
  return (
    a.format === b.format &&
    a.generator?.name === b.generator.name &&
    a.generator?.version === b.generator.version &&
    a.generator?.facesjs === b.generator.facesjs &&
    a.size === b.size &&
    a.seed === b.seed &&
    JSON.stringify(a.classMap) === JSON.stringify(b.classMap)
  );
}

/** Validate options, create or check `out`; returns whether it holds a dataset to resume. */
async function prepareOut(out: string, manifest: DatasetManifest, overwrite: boolean, resume: boolean): Promise<void> {
  try {
    await mkdir(out, { recursive: true });
  } catch (error) {
    throw ioError('create directory', out, error);
  }
  let entries: string[];
  try {
    entries = await readdir(out);
  } catch (error) {
    throw ioError('read directory', out, error);
  }
  if (entries.length > 0) {
    if (overwrite) {
      for (const e of OWN_ENTRIES) {
        try {
          await rm(join(out, e), { recursive: true, force: true });
        } catch (error) {
          throw ioError('remove', join(out, e), error);
        }
      }
    } else {
      let previous: Partial<DatasetManifest> | undefined;
      try {
        previous = JSON.parse(await readFile(join(out, 'dataset.json'), 'utf8')) as Partial<DatasetManifest>;
      } catch {
        previous = undefined;
      }
      if (!resume || !previous || !sameSetup(previous, manifest)) {
        throw new FileError(
          'E_DATASET',
          previous && resume
            ? `${out} holds a face dataset with a different setup (size ${previous.size}, seed ${previous.seed}); pass overwrite to replace it.`
            : `${out} is not empty${resume ? ' and holds no face dataset to resume' : ''}; pass overwrite to replace it.`,
          { details: { out, previous: previous ? { size: previous.size, seed: previous.seed, n: previous.n } : null } },
        );
      }
      if ((previous.n ?? 0) > manifest.n) {
        throw new FileError('E_DATASET', `${out} already holds ${previous.n} faces, more than n = ${manifest.n}; pass overwrite to shrink it.`, {
          details: { out, previousN: previous.n, n: manifest.n },
        });
      }
    }
  }
  for (const sub of ['images', 'labels']) {
    try {
      await mkdir(join(out, sub), { recursive: true });
      // leftovers of an interrupted run
      for (const f of await readdir(join(out, sub))) if (f.endsWith('.tmp')) await rm(join(out, sub, f), { force: true });
    } catch (error) {
      throw ioError('prepare', join(out, sub), error);
    }
  }
}

/**
 * Render `n` faces into `out`: `images/000000.png` (RGB), `labels/000000.png` (grey, pixel = class index),
 * `attributes.jsonl` and `dataset.json`. Every file is written atomically. A non-empty `out` is resumed when
 * it holds a dataset with the same setup (complete faces are skipped), else refused with `E_DATASET` unless
 * `overwrite`.
 */
export async function writeFaceDataset(options: WriteFaceDatasetOptions): Promise<WriteFaceDatasetResult> {
  const t0 = performance.now();
  const { n, size, out, seed = 0, workers = 1, concurrency = 4, overwrite = false, resume = true, onProgress } = options;
  positiveInt('n', n);
  assertSize(size);
  assertSeed(seed);
  positiveInt('workers', workers, 16);
  positiveInt('concurrency', concurrency, 64);
  if (typeof out !== 'string' || out.length === 0) {
    throw new InputError('E_INVALID_ARGUMENT', 'out must be a non-empty directory path.', { details: { out } });
  }
  const classMap = resolveClassMap(options.classMap);
  const manifest: DatasetManifest = {
    format: 'semstyle-faces',
    generator: { name: GENERATOR_NAME, version: GENERATOR_VERSION, facesjs: FACESJS_VERSION },
    n,
    size,
    seed,
    complete: false,
    classes: CLASS_NAMES,
    classMap: classMapToJson(classMap),
    viewBox: VIEW_BOX,
    faceSeed: 'face i uses seed faceSeed(seed, i) (see src/prng.ts); renderFace(faceSeed, size) reproduces it',
    layout: {
      images: 'images/{index:06d}.png, RGB 8-bit, size×size',
      labels: 'labels/{index:06d}.png, grey 8-bit, pixel = class index into classes',
      attributes: 'attributes.jsonl, one {index, file, seed, attributes} per line, in index order',
    },
    attributes: ATTRIBUTE_SCHEMA,
  };
  await prepareOut(out, manifest, overwrite, resume);
  await writeFileAtomic(join(out, 'dataset.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  const todo: number[] = [];
  for (let i = 0; i < n; i++) {
    const name = faceFileName(i);
    const done = (await pngFileComplete(join(out, 'images', name))) && (await pngFileComplete(join(out, 'labels', name)));
    if (!done) todo.push(i);
  }
  const progress: FaceDatasetProgress = { done: n - todo.length, total: n, rendered: 0, skipped: n - todo.length };
  onProgress?.({ ...progress });

  const jobOf = (index: number): FaceJob => ({ index, seed: faceSeed(seed, index), size, out, classMap });
  const pool = workers > 1 && todo.length > 1 ? new RenderPool(Math.min(workers, todo.length), concurrency) : undefined;
  const lanes = pool ? Math.min(workers, todo.length) * concurrency : concurrency;
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < todo.length) {
      const index = todo[next++]!;
      try {
        if (pool) await pool.run(jobOf(index));
        else await runFaceJob(jobOf(index));
      } catch (error) {
        failed = true;
        throw error;
      }
      progress.done++;
      progress.rendered++;
      onProgress?.({ ...progress });
    }
  };
  try {
    const results = await Promise.allSettled(Array.from({ length: lanes }, lane));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  } finally {
    await pool?.close();
  }

  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = faceSeed(seed, i);
    lines.push(JSON.stringify({ index: i, file: faceFileName(i), seed: s, attributes: faceAttributes(describeFace(s)) }));
  }
  await writeFileAtomic(join(out, 'attributes.jsonl'), `${lines.join('\n')}\n`);
  await writeFileAtomic(join(out, 'dataset.json'), `${JSON.stringify({ ...manifest, complete: true }, null, 2)}\n`);
  return { out, n, size, seed, rendered: progress.rendered, skipped: progress.skipped, workers: pool ? Math.min(workers, todo.length) : 1, ms: performance.now() - t0 };
}
