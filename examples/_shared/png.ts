import { join } from 'node:path';
import { gridPixels, type RgbPixels } from '@semstyle/core';
import { writePng } from '@semstyle/cli';

/** Write pictures as one grid PNG (`columns` wide) into the example's folder; returns the file name. */
export async function saveGrid(outDir: string, file: string, pictures: readonly RgbPixels[], columns: number): Promise<string> {
  await writePng(join(outDir, file), gridPixels(pictures, columns));
  return file;
}
