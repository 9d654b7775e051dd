import * as tf from '@tensorflow/tfjs';
import {
  gridPixels,
  imagesToPixels,
  InputError,
  segmentationToPixels,
  upscalePixels,
  type NoiseMode,
  type RgbPixels,
  type SemanticGeneratorV1,
  type WPlusLatent,
} from '@semstyle/core';
import { writeFileAtomic } from '@semstyle/core/node';
import { encodeRgbPng } from './png.js';

export interface ComparisonGridOptions {
  /** Show the first `rows` samples (default all). */
  readonly rows?: number;
  /** Under each image row, the colourised segmentations (default true). */
  readonly masks?: boolean;
  /** Nearest-neighbour upscaling (default 1). */
  readonly scale?: number;
  readonly noise?: NoiseMode;
}

/**
 * A picture comparing versions of the same latents (e.g. unedited, edited one way, edited another):
 * one column per latent batch in `columns`, one row per sample — and, with `masks`, a row of its
 * segmentations under each. Inputs are not disposed; nothing is left allocated.
 */
export async function comparisonGrid(generator: SemanticGeneratorV1, columns: readonly WPlusLatent[], options: ComparisonGridOptions = {}): Promise<RgbPixels> {
  if (columns.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'comparisonGrid needs at least one column.');
  const n = columns[0]!.tensor.shape[0];
  for (const c of columns) if (c.tensor.shape[0] !== n) throw new InputError('E_SHAPE', `Every column needs ${n} latents, got ${c.tensor.shape[0]}.`);
  const rows = options.rows ?? n;
  if (!Number.isInteger(rows) || rows < 1 || rows > n) throw new InputError('E_INVALID_ARGUMENT', `rows must be an integer in [1, ${n}], got ${rows}.`);
  const scale = options.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) throw new InputError('E_INVALID_ARGUMENT', `scale must be a positive integer, got ${scale}.`);
  const masks = options.masks ?? true;
  const images: RgbPixels[][] = [];
  const segs: RgbPixels[][] = [];
  for (const c of columns) {
    const part: WPlusLatent = { ...c, tensor: tf.slice(c.tensor, [0, 0, 0], [rows, -1, -1]) };
    try {
      const out = generator.synthesize(part, options.noise === undefined ? {} : { noise: options.noise });
      try {
        images.push(await imagesToPixels(out.image));
        if (masks) segs.push(await segmentationToPixels(out.seg));
      } finally {
        tf.dispose(out);
      }
    } finally {
      part.tensor.dispose();
    }
  }
  const cells: RgbPixels[] = [];
  for (let i = 0; i < rows; i++) {
    for (const col of images) cells.push(upscalePixels(col[i]!, scale));
    if (masks) for (const col of segs) cells.push(upscalePixels(col[i]!, scale));
  }
  return gridPixels(cells, columns.length);
}

/** `comparisonGrid` written as a PNG. */
export async function writeComparisonGrid(path: string, generator: SemanticGeneratorV1, columns: readonly WPlusLatent[], options: ComparisonGridOptions = {}): Promise<RgbPixels> {
  const grid = await comparisonGrid(generator, columns, options);
  await writeFileAtomic(path, encodeRgbPng(grid));
  return grid;
}
