import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { FileError, InputError } from '@semstyle/core';
import { writeFileAtomic } from '@semstyle/core/node';

/**
 * CelebAMask-HQ part masks → the 13-class label maps of the official `data/preprocess_celeba.py`, in its
 * merge order: parts are painted in this order and later parts overwrite earlier ones (Python dicts keep
 * insertion order). 0 is background.
 */
export const CELEBAMASK_PART_CLASSES: ReadonlyArray<readonly [string, number]> = [
  ['skin', 1],
  ['eye_g', 10],
  ['l_eye', 2],
  ['r_eye', 2],
  ['l_brow', 3],
  ['r_brow', 3],
  ['mouth', 4],
  ['l_lip', 4],
  ['u_lip', 4],
  ['nose', 5],
  ['hair', 7],
  ['l_ear', 6],
  ['r_ear', 6],
  ['neck', 8],
  ['neck_l', 8],
  ['cloth', 9],
  ['hat', 11],
  ['ear_r', 12],
];

/** Class names of the merge, index = class id (the `FACE_REGIONS` of @semstyle/core). */
export const CELEBAMASK_CLASS_NAMES = ['background', 'skin', 'eyes', 'brows', 'mouth', 'nose', 'ears', 'hair', 'neck', 'cloth', 'eyeglasses', 'hat', 'earrings'] as const;

export interface ConvertCelebAMaskOptions {
  /** Folder holding `CelebA-HQ-img/` and `CelebAMask-HQ-mask-anno/`. */
  readonly source: string;
  /** Output root: `train/{images,labels}` and `val/{images,labels}` (the FolderDataset layout). */
  readonly out: string;
  /** Image indices to convert (default 0 … 29 999). */
  readonly indices?: readonly number[];
  /** Indices below this go to `train/`, the rest to `val/` (official 28 000). */
  readonly trainCount?: number;
  /**
   * Side of the written image and label map (default 512, the masks' size). Images (1024² in the release)
   * are resized with Lanczos, labels with nearest neighbour, so each pair has one size.
   */
  readonly size?: number;
  /** Image file format (default 'jpg', quality 95; 'png' is lossless). */
  readonly imageFormat?: 'jpg' | 'png';
  /** Concurrent conversions (default 4). */
  readonly concurrency?: number;
  /** Called for an image whose annotation folder holds no part at all (its label map is all background). */
  readonly onWarning?: (message: string) => void;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ConvertCelebAMaskResult {
  readonly converted: number;
  readonly withoutParts: readonly number[];
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Merge the part masks of image `i` into one label map (`size`² bytes, class ids). */
export async function mergeCelebAMaskParts(annotationRoot: string, i: number, size = 512): Promise<{ labels: Uint8Array; parts: number }> {
  const prefix = join(annotationRoot, String(Math.floor(i / 2000)), `${String(i).padStart(5, '0')}_`);
  let labels: Uint8Array | undefined;
  let width = 0;
  let height = 0;
  let parts = 0;
  for (const [part, cls] of CELEBAMASK_PART_CLASSES) {
    const path = `${prefix}${part}.png`;
    if (!(await exists(path))) continue;
    let data: Buffer;
    let info: { width: number; height: number; channels: number };
    try {
      ({ data, info } = await sharp(path).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true }));
    } catch (cause) {
      throw new InputError('E_DATASET', `Cannot decode part mask ${path}: ${(cause as Error).message}`, { cause, details: { path } });
    }
    if (labels === undefined) {
      width = info.width;
      height = info.height;
      labels = new Uint8Array(width * height);
    } else if (info.width !== width || info.height !== height) {
      throw new InputError('E_DATASET', `Part mask ${path} is ${info.width}×${info.height}, other parts of image ${i} are ${width}×${height}.`, { details: { path } });
    }
    const channels = info.channels;
    for (let p = 0; p < width * height; p++) if (data[p * channels] === 255) labels[p] = cls;
    parts++;
  }
  if (labels === undefined) return { labels: new Uint8Array(size * size), parts: 0 };
  if (width !== size || height !== size) {
    const resized = await sharp(Buffer.from(labels), { raw: { width, height, channels: 1 } }).resize(size, size, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer();
    labels = new Uint8Array(resized.buffer, resized.byteOffset, resized.byteLength);
  }
  return { labels, parts };
}

/**
 * Convert CelebAMask-HQ's released layout (`CelebA-HQ-img/{i}.jpg`, `CelebAMask-HQ-mask-anno/{i // 2000}/
 * {i:05d}_{part}.png`) into FolderDataset folders with the official 13-class merge. Missing source folders
 * or a missing image: E_FILE_NOT_FOUND. Files are written atomically.
 */
export async function convertCelebAMask(options: ConvertCelebAMaskOptions): Promise<ConvertCelebAMaskResult> {
  const imgRoot = join(options.source, 'CelebA-HQ-img');
  const annRoot = join(options.source, 'CelebAMask-HQ-mask-anno');
  for (const dir of [imgRoot, annRoot]) {
    if (!(await exists(dir))) throw new FileError('E_FILE_NOT_FOUND', `CelebAMask-HQ folder not found: ${dir}`, { details: { path: dir } });
  }
  const indices = options.indices ?? Array.from({ length: 30_000 }, (_, i) => i);
  const trainCount = options.trainCount ?? 28_000;
  const size = options.size ?? 512;
  const format = options.imageFormat ?? 'jpg';
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  for (const split of ['train', 'val']) for (const kind of ['images', 'labels']) await mkdir(join(options.out, split, kind), { recursive: true });
  const withoutParts: number[] = [];
  let done = 0;
  let cursor = 0;
  const worker = async () => {
    while (cursor < indices.length) {
      const i = indices[cursor++]!;
      if (!Number.isInteger(i) || i < 0) throw new InputError('E_INVALID_ARGUMENT', `Bad image index ${i}.`);
      const split = i < trainCount ? 'train' : 'val';
      const imagePath = join(imgRoot, `${i}.jpg`);
      if (!(await exists(imagePath))) throw new FileError('E_FILE_NOT_FOUND', `CelebAMask-HQ image not found: ${imagePath}`, { details: { path: imagePath } });
      let image: Buffer;
      try {
        const pipeline = sharp(imagePath).removeAlpha().toColourspace('srgb').resize(size, size, { fit: 'fill', kernel: 'lanczos3' });
        image = await (format === 'png' ? pipeline.png() : pipeline.jpeg({ quality: 95 })).toBuffer();
      } catch (cause) {
        throw new InputError('E_DATASET', `Cannot decode ${imagePath}: ${(cause as Error).message}`, { cause, details: { path: imagePath } });
      }
      const { labels, parts } = await mergeCelebAMaskParts(annRoot, i, size);
      if (parts === 0) {
        withoutParts.push(i);
        warn(`No labels found for image ${i} (${join(annRoot, String(Math.floor(i / 2000)))}); its label map is all background.`);
      }
      const labelPng = await sharp(Buffer.from(labels), { raw: { width: size, height: size, channels: 1 } }).toColourspace('b-w').png().toBuffer();
      await writeFileAtomic(join(options.out, split, 'images', `${i}.${format}`), new Uint8Array(image));
      await writeFileAtomic(join(options.out, split, 'labels', `${i}.png`), new Uint8Array(labelPng));
      done++;
      options.onProgress?.(done, indices.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return { converted: done, withoutParts: withoutParts.sort((a, b) => a - b) };
}
