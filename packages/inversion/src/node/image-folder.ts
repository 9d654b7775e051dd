import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FileError, InputError } from '@semstyle/core';
import { readFileBytes } from '@semstyle/core/node';
import { prepareImages, type PrepareImageOptions } from '../image.js';
import { decodePngImage } from './png.js';

/** The PNG files of a folder, sorted by name (E_FILE_NOT_FOUND / E_DATASET when missing or empty). */
export async function listPngFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw new FileError('E_FILE_NOT_FOUND', `Image folder not found: ${dir}`, { cause, details: { path: dir } });
  }
  const files = names.filter((n) => n.toLowerCase().endsWith('.png')).sort().map((n) => join(dir, n));
  if (files.length === 0) throw new InputError('E_DATASET', `No .png files in ${dir}.`, { details: { path: dir } });
  return files;
}

/** Read PNGs into one batch [N, R, R, 3] in [−1, 1] (sizes / channels per `options`). */
export async function loadPngBatch(paths: readonly string[], resolution: number, options: PrepareImageOptions = {}): Promise<tf.Tensor4D> {
  const parts: tf.Tensor4D[] = [];
  try {
    for (const p of paths) {
      const img = decodePngImage(await readFileBytes(p));
      try {
        parts.push(prepareImages(img, resolution, options));
      } catch (e) {
        if (e instanceof Error) e.message = `${p}: ${e.message}`;
        throw e;
      } finally {
        img.dispose();
      }
    }
    return tf.concat(parts, 0);
  } finally {
    tf.dispose(parts);
  }
}
