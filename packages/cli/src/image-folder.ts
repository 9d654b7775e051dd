import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { FileError, InputError } from '@semstyle/core';

/** The PNG files of a folder (sorted), for metrics' real-data side. */
export async function listPngs(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw new FileError('E_FILE_NOT_FOUND', `Image folder not found: ${dir}`, { cause, details: { path: dir } });
  }
  const files = names.filter((n) => extname(n).toLowerCase() === '.png').sort().map((n) => join(dir, n));
  if (files.length === 0) throw new InputError('E_DATASET', `No PNG images in ${dir}.`, { details: { path: dir } });
  return files;
}

/**
 * Batches of PNG images as NHWC tensors in [-1, 1] (RGB; alpha dropped), streamed: only one batch is in
 * memory. Every image must have the size `size`; a different one is an error naming the file.
 */
export async function* pngBatches(files: readonly string[], size: number, batchSize: number): AsyncGenerator<tf.Tensor4D> {
  for (let start = 0; start < files.length; start += batchSize) {
    const chunk = files.slice(start, start + batchSize);
    const data = new Float32Array(chunk.length * size * size * 3);
    for (let i = 0; i < chunk.length; i++) {
      const file = chunk[i]!;
      let png: PNG;
      try {
        png = PNG.sync.read(await readFile(file));
      } catch (cause) {
        throw new InputError('E_DATASET', `Cannot decode ${file} as PNG.`, { cause, details: { path: file } });
      }
      if (png.width !== size || png.height !== size) {
        throw new InputError('E_SHAPE', `${file} is ${png.width}×${png.height}, expected ${size}×${size} (the generator's resolution).`, {
          details: { path: file },
        });
      }
      for (let p = 0; p < size * size; p++) {
        for (let c = 0; c < 3; c++) data[(i * size * size + p) * 3 + c] = png.data[p * 4 + c]! / 127.5 - 1;
      }
    }
    yield tf.tensor4d(data, [chunk.length, size, size, 3]);
  }
}
