import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { epochPermutation, FileError, InputError, SeededRandom, type TrainingBatch, type TrainingDataSource } from '@semstyle/core';
import { drawShiftScaleRotate, flipImage, flipLabels, shiftScaleRotate, type FlipSwapTable } from './augment.js';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);
const LABEL_EXTENSIONS = new Set(['.png']);

export interface FolderDatasetOptions {
  /** Side of the square model input; images are resized with Lanczos, labels with nearest neighbour. */
  readonly resolution: number;
  /** Number of classes K: labels must be < K; masks are one-hot over K channels in {−1, 1}. */
  readonly segDim: number;
  /** Random horizontal flip (p 0.5). Default false (official: only with `--aug`). */
  readonly flip?: boolean;
  /** Classes that swap under a flip (e.g. [[4, 5]] for left/right brows in a 19-class map). Default none. */
  readonly flipSwap?: FlipSwapTable;
  /** Official ShiftScaleRotate (shift 0.1, scale 0.2, rotate 15°, border 0, p 0.5). Default false. */
  readonly shiftScaleRotate?: boolean;
  /** Bad file (undecodable, label ≥ K, image/label size mismatch): 'error' (default) stops, 'skip' reports and moves on. */
  readonly onBadFile?: 'error' | 'skip';
  /** Receives every skipped file with its reason (default: console.warn). */
  readonly report?: (path: string, reason: string) => void;
  /** Batches decoded ahead of the consumer (default 2). */
  readonly readAhead?: number;
}

export interface FolderSample {
  readonly stem: string;
  readonly image: string;
  readonly label: string;
}

interface HostSample {
  readonly image: Uint8Array; // R·R·3
  readonly labels: Uint8Array; // R·R
}

class BadFile extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

function stemOf(name: string): string {
  return name.slice(0, name.length - extname(name).length);
}

async function listDir(dir: string, what: string): Promise<string[]> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new FileError('E_FILE_NOT_FOUND', `${what} ${dir} is not a folder.`, { details: { path: dir } });
    return (await readdir(dir)).sort();
  } catch (cause) {
    if (cause instanceof FileError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileError('E_FILE_NOT_FOUND', `${what} not found: ${dir}`, { cause, details: { path: dir } });
    throw new FileError('E_IO', `Cannot read ${dir}: ${(cause as Error).message}`, { cause, details: { path: dir } });
  }
}

/**
 * A folder of (RGB image, integer label map) pairs — `DIR/images/*.png|jpg|jpeg` and `DIR/labels/*.png`,
 * paired by file stem, labels 8-bit grey class indices — as a `TrainingDataSource`. Streams: files are
 * decoded (sharp) a few batches ahead, never the whole folder; the order is a seeded permutation per epoch;
 * flips and ShiftScaleRotate draw from a stream seeded by (seed, stream position), so a resumed run sees
 * exactly the same augmented samples.
 */
export class FolderDataset implements TrainingDataSource {
  readonly size: number;
  readonly segDim: number;
  readonly resolution: number;
  /** Files reported bad so far (path → reason). */
  readonly badFiles = new Map<string, string>();

  private constructor(
    readonly root: string,
    readonly samples: readonly FolderSample[],
    private readonly options: FolderDatasetOptions,
  ) {
    this.size = samples.length;
    this.segDim = options.segDim;
    this.resolution = options.resolution;
  }

  /**
   * Scan `dir`. Errors: E_FILE_NOT_FOUND (no `dir`, `dir/images` or `dir/labels`), E_DATASET (no pairs,
   * or images and labels that do not pair up — listed in `details`), E_INVALID_ARGUMENT (options).
   */
  static async open(dir: string, options: FolderDatasetOptions): Promise<FolderDataset> {
    if (!Number.isInteger(options.resolution) || options.resolution < 1) {
      throw new InputError('E_INVALID_ARGUMENT', `resolution must be a positive integer (got ${options.resolution}).`);
    }
    if (!Number.isInteger(options.segDim) || options.segDim < 1 || options.segDim > 256) {
      throw new InputError('E_INVALID_ARGUMENT', `segDim must be an integer in [1, 256] (got ${options.segDim}).`);
    }
    await listDir(dir, 'Dataset folder');
    const imageFiles = (await listDir(join(dir, 'images'), 'Image folder')).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()));
    const labelFiles = (await listDir(join(dir, 'labels'), 'Label folder')).filter((f) => LABEL_EXTENSIONS.has(extname(f).toLowerCase()));
    const images = new Map<string, string>();
    const duplicates: string[] = [];
    for (const f of imageFiles) {
      const stem = stemOf(f);
      if (images.has(stem)) duplicates.push(join(dir, 'images', f));
      images.set(stem, f);
    }
    if (duplicates.length > 0) {
      throw new InputError('E_DATASET', `Several images share a stem, e.g. ${duplicates.slice(0, 3).join(', ')}.`, { details: { duplicates } });
    }
    const labels = new Map(labelFiles.map((f) => [stemOf(f), f]));
    const imagesWithoutLabel = [...images.keys()].filter((s) => !labels.has(s)).map((s) => join(dir, 'images', images.get(s)!));
    const labelsWithoutImage = [...labels.keys()].filter((s) => !images.has(s)).map((s) => join(dir, 'labels', labels.get(s)!));
    if (imagesWithoutLabel.length > 0 || labelsWithoutImage.length > 0) {
      throw new InputError(
        'E_DATASET',
        `Images and labels in ${dir} do not pair up by file name: ${imagesWithoutLabel.length} image(s) without a label (e.g. ${imagesWithoutLabel.slice(0, 3).join(', ') || '-'}), ` +
          `${labelsWithoutImage.length} label(s) without an image (e.g. ${labelsWithoutImage.slice(0, 3).join(', ') || '-'}).`,
        { details: { imagesWithoutLabel, labelsWithoutImage } },
      );
    }
    const stems = [...images.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (stems.length === 0) {
      throw new InputError('E_DATASET', `No (image, label) pairs in ${dir} (expected images/*.png|jpg and labels/*.png).`, { details: { path: dir } });
    }
    const samples = stems.map((stem) => ({ stem, image: join(dir, 'images', images.get(stem)!), label: join(dir, 'labels', labels.get(stem)!) }));
    return new FolderDataset(dir, samples, options);
  }

  /** Decode one sample (resized, augmented with the given random stream when augmentation is on). */
  async load(index: number, rng?: SeededRandom): Promise<HostSample> {
    const sample = this.samples[index]!;
    const R = this.resolution;
    let imageMeta: { width?: number; height?: number };
    let labelMeta: { width?: number; height?: number };
    try {
      imageMeta = await sharp(sample.image).metadata();
    } catch (cause) {
      throw new BadFile(sample.image, `cannot decode image (${(cause as Error).message})`);
    }
    try {
      labelMeta = await sharp(sample.label).metadata();
    } catch (cause) {
      throw new BadFile(sample.label, `cannot decode label map (${(cause as Error).message})`);
    }
    if (imageMeta.width !== labelMeta.width || imageMeta.height !== labelMeta.height) {
      throw new BadFile(sample.label, `label map is ${labelMeta.width}×${labelMeta.height}, its image ${sample.image} is ${imageMeta.width}×${imageMeta.height}`);
    }
    let image: Uint8Array;
    let labels: Uint8Array;
    try {
      const out = await sharp(sample.image).removeAlpha().toColourspace('srgb').resize(R, R, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer({ resolveWithObject: true });
      if (out.info.channels !== 3) throw new Error(`${out.info.channels} channels after conversion`);
      image = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
    } catch (cause) {
      throw new BadFile(sample.image, `cannot decode image (${(cause as Error).message})`);
    }
    try {
      // Class indices: the first channel (grey files have one); nearest neighbour keeps them integral.
      const out = await sharp(sample.label).extractChannel(0).resize(R, R, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer({ resolveWithObject: true });
      labels = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
    } catch (cause) {
      throw new BadFile(sample.label, `cannot decode label map (${(cause as Error).message})`);
    }
    // Check the full-resolution map? Nearest resizing only drops pixels: check the original values.
    const original = await sharp(sample.label).extractChannel(0).raw().toBuffer();
    let max = 0;
    for (let i = 0; i < original.length; i++) if (original[i]! > max) max = original[i]!;
    if (max >= this.segDim) throw new BadFile(sample.label, `label value ${max} out of range [0, ${this.segDim})`);
    if (rng !== undefined) ({ image, labels } = this.augment(image, labels, rng));
    return { image, labels };
  }

  private augment(image: Uint8Array, labels: Uint8Array, rng: SeededRandom): HostSample {
    const R = this.resolution;
    // Fixed number of draws per sample, whatever happens, so streams stay aligned.
    const doFlip = rng.uniform() < 0.5;
    const doSsr = rng.uniform() < 0.5;
    const params = drawShiftScaleRotate(() => rng.uniform());
    if (this.options.flip && doFlip) {
      image = image.slice();
      labels = labels.slice();
      flipImage(image, R, R, 3);
      flipLabels(labels, R, R, this.options.flipSwap ?? []);
    }
    if (this.options.shiftScaleRotate && doSsr) ({ image, labels } = shiftScaleRotate(image, labels, R, R, params));
    return { image, labels };
  }

  /** See `TrainingDataSource.batches`: endless, seeded per epoch, resumable at a stream position. */
  async *batches(batchSize: number, seed: number, startIndex = 0): AsyncGenerator<TrainingBatch> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError('E_INVALID_ARGUMENT', `batchSize must be a positive integer (got ${batchSize}).`);
    const n = this.size;
    const orders = new Map<number, Uint32Array>();
    const indexAt = (pos: number) => {
      const epoch = Math.floor(pos / n);
      let order = orders.get(epoch);
      if (order === undefined) {
        orders.clear();
        order = epochPermutation(n, seed, epoch);
        orders.set(epoch, order);
      }
      return order[pos - epoch * n]!;
    };
    const augmenting = this.options.flip === true || this.options.shiftScaleRotate === true;
    const policy = this.options.onBadFile ?? 'error';
    const report = this.options.report ?? ((path: string, reason: string) => console.warn(`semstyle datasets: skipping ${path}: ${reason}`));
    const lookahead = Math.max(1, (this.options.readAhead ?? 2) * batchSize);
    // Read-ahead queue of decodes, in stream order.
    const queue: Array<{ pos: number; result: Promise<HostSample | BadFile> }> = [];
    let nextPos = startIndex;
    const fill = () => {
      while (queue.length < lookahead) {
        const pos = nextPos++;
        const index = indexAt(pos);
        const rng = augmenting ? new SeededRandom((seed * 2_654_435_761 + pos * 40_503) | 0) : undefined;
        const { image, label } = this.samples[index]!;
        const knownPath = this.badFiles.has(image) ? image : this.badFiles.has(label) ? label : undefined;
        const result: Promise<HostSample | BadFile> = knownPath !== undefined
          ? Promise.resolve(new BadFile(knownPath, this.badFiles.get(knownPath)!))
          : this.load(index, rng).catch((e: unknown) => {
              if (e instanceof BadFile) return e;
              throw e;
            });
        result.catch(() => undefined); // handled when consumed
        queue.push({ pos, result });
      }
    };
    const R = this.resolution;
    const K = this.segDim;
    let badRun = 0;
    try {
      for (;;) {
        const images = new Float32Array(batchSize * R * R * 3);
        const masks = new Float32Array(batchSize * R * R * K).fill(-1);
        let filled = 0;
        let lastPos = nextPos;
        while (filled < batchSize) {
          fill();
          const { pos, result } = queue.shift()!;
          lastPos = pos;
          const sample = await result;
          if (sample instanceof BadFile) {
            if (policy === 'error') {
              throw new InputError('E_DATASET', `Bad training file ${sample.path}: ${sample.reason}`, { details: { path: sample.path, reason: sample.reason } });
            }
            if (!this.badFiles.has(sample.path)) {
              this.badFiles.set(sample.path, sample.reason);
              report(sample.path, sample.reason);
            }
            if (++badRun >= n) throw new InputError('E_DATASET', `No readable sample in ${this.root}: every file was bad.`, { details: { path: this.root } });
            continue;
          }
          badRun = 0;
          const o = filled * R * R;
          for (let p = 0; p < R * R; p++) {
            images[(o + p) * 3] = sample.image[p * 3]! / 127.5 - 1;
            images[(o + p) * 3 + 1] = sample.image[p * 3 + 1]! / 127.5 - 1;
            images[(o + p) * 3 + 2] = sample.image[p * 3 + 2]! / 127.5 - 1;
            masks[(o + p) * K + sample.labels[p]!] = 1;
          }
          filled++;
        }
        fill();
        yield { image: tf.tensor4d(images, [batchSize, R, R, 3]), mask: tf.tensor4d(masks, [batchSize, R, R, K]), nextIndex: lastPos + 1 };
      }
    } finally {
      queue.length = 0;
    }
  }
}
