import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@semstyle/core';
import { flipImage, flipLabels, shiftScaleRotate } from './augment.js';
import { FolderDataset } from './folder-dataset.js';

const R = 8;
const K = 3;
let root: string;

/** Sample i: label = (x + y + i) % K; image red = 30·label + i, green = 8·x, blue = 8·y. */
async function writePair(dir: string, i: number, opts: { labelMax?: number; labelSize?: number; ext?: string } = {}): Promise<void> {
  const stem = String(i).padStart(6, '0');
  const img = Buffer.alloc(R * R * 3);
  const lab = Buffer.alloc((opts.labelSize ?? R) ** 2);
  for (let y = 0; y < R; y++) {
    for (let x = 0; x < R; x++) {
      const l = (x + y + i) % K;
      img[(y * R + x) * 3] = 30 * l + i;
      img[(y * R + x) * 3 + 1] = 8 * x;
      img[(y * R + x) * 3 + 2] = 8 * y;
    }
  }
  const ls = opts.labelSize ?? R;
  for (let y = 0; y < ls; y++) for (let x = 0; x < ls; x++) lab[y * ls + x] = (x + y + i) % K;
  if (opts.labelMax !== undefined) lab[0] = opts.labelMax;
  await sharp(img, { raw: { width: R, height: R, channels: 3 } }).png().toFile(join(dir, 'images', `${stem}.${opts.ext ?? 'png'}`));
  await sharp(lab, { raw: { width: ls, height: ls, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'labels', `${stem}.png`));
}

async function makeDir(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'images'), { recursive: true });
  await mkdir(join(dir, 'labels'), { recursive: true });
  return dir;
}

async function collect(ds: FolderDataset, batch: number, seed: number, count: number, start = 0) {
  const out: Array<{ image: number[]; mask: number[]; nextIndex: number }> = [];
  for await (const b of ds.batches(batch, seed, start)) {
    out.push({ image: Array.from(b.image.dataSync()), mask: Array.from(b.mask.dataSync()), nextIndex: b.nextIndex! });
    tf.dispose([b.image, b.mask]);
    if (out.length === count) break;
  }
  return out;
}

/** The sample index of each image in a batch, from the red value of pixel (0, 0) (30·(i % K) + i). */
function ids(image: number[], batch: number): number[] {
  const byRed = new Map(Array.from({ length: 10 }, (_, i) => [30 * (i % K) + i, i] as const));
  return Array.from({ length: batch }, (_, b) => byRed.get(Math.round((image[b * R * R * 3]! + 1) * 127.5))!);
}

let good: string;
beforeAll(async () => {
  await initBackend('wasm');
  root = await mkdtemp(join(tmpdir(), 'semstyle-folder-'));
  good = await makeDir('good');
  for (let i = 0; i < 6; i++) await writePair(good, i);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FolderDataset', () => {
  it('pairs images and labels by stem; one-hot masks in {−1, 1}; images in [−1, 1]', async () => {
    const ds = await FolderDataset.open(good, { resolution: R, segDim: K });
    expect(ds.size).toBe(6);
    expect(ds.samples.map((s) => s.stem)).toEqual(['000000', '000001', '000002', '000003', '000004', '000005']);
    const [batch] = await collect(ds, 2, 1, 1);
    const mask = batch!.mask;
    expect(new Set(mask)).toEqual(new Set([-1, 1]));
    for (let p = 0; p < 2 * R * R; p++) expect(mask.slice(p * K, p * K + K).filter((v) => v === 1)).toHaveLength(1);
    // The label of pixel (x, y) is (x + y + i) % K; check against the decoded sample id.
    const sampleIds = ids(batch!.image, 2);
    for (let b = 0; b < 2; b++) {
      for (const [x, y] of [[0, 0], [3, 1], [7, 7]] as const) {
        const p = b * R * R + y * R + x;
        expect(mask[p * K + ((x + y + sampleIds[b]!) % K)]).toBe(1);
        expect(batch!.image[p * 3 + 1]).toBeCloseTo((8 * x) / 127.5 - 1, 5);
      }
    }
  });

  it('shuffles deterministically by seed, covers each epoch once, and resumes at a stream position', async () => {
    const ds = await FolderDataset.open(good, { resolution: R, segDim: K });
    const a = await collect(ds, 2, 42, 6);
    const b = await collect(ds, 2, 42, 6);
    expect(a.map((x) => x.image)).toEqual(b.map((x) => x.image));
    const c = await collect(ds, 2, 43, 3);
    expect(c.map((x) => x.image)).not.toEqual(a.slice(0, 3).map((x) => x.image));
    const epoch0 = a.slice(0, 3).flatMap((x) => ids(x.image, 2));
    expect([...epoch0].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a.map((x) => x.nextIndex)).toEqual([2, 4, 6, 8, 10, 12]);
    const resumed = await collect(ds, 2, 42, 2, a[2]!.nextIndex);
    expect(resumed.map((x) => x.image)).toEqual(a.slice(3, 5).map((x) => x.image));
  });

  it('flips image and labels together (with the class swap table), seeded by position', async () => {
    const plain = await FolderDataset.open(good, { resolution: R, segDim: K });
    const flipped = await FolderDataset.open(good, { resolution: R, segDim: K, flip: true, flipSwap: [[1, 2]] });
    const p = await collect(plain, 6, 5, 2);
    const f = await collect(flipped, 6, 5, 2);
    expect(await collect(flipped, 6, 5, 2)).toEqual(f);
    let flips = 0;
    let same = 0;
    for (let bi = 0; bi < 2; bi++) {
      for (let s = 0; s < 6; s++) {
        const img = p[bi]!.image.slice(s * R * R * 3, (s + 1) * R * R * 3);
        const got = f[bi]!.image.slice(s * R * R * 3, (s + 1) * R * R * 3);
        if (got.every((v, i) => v === img[i])) {
          same++;
          continue;
        }
        // Mirror of the plain sample, and labels 1 ↔ 2 swapped.
        for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) for (let ch = 0; ch < 3; ch++) expect(got[(y * R + x) * 3 + ch]).toBe(img[(y * R + (R - 1 - x)) * 3 + ch]);
        const pm = p[bi]!.mask.slice(s * R * R * K, (s + 1) * R * R * K);
        const fm = f[bi]!.mask.slice(s * R * R * K, (s + 1) * R * R * K);
        const swap = [0, 2, 1];
        for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) for (let k = 0; k < K; k++) expect(fm[(y * R + x) * K + swap[k]!]).toBe(pm[(y * R + (R - 1 - x)) * K + k]);
        flips++;
      }
    }
    expect(flips).toBeGreaterThan(0);
    expect(same).toBeGreaterThan(0);
  });

  it('augmentation helpers: flip twice is identity; identity ShiftScaleRotate changes nothing; labels stay valid', () => {
    const img = Uint8Array.from({ length: R * R * 3 }, (_, i) => i % 251);
    const lab = Uint8Array.from({ length: R * R }, (_, i) => i % 3);
    const a = img.slice();
    flipImage(a, R, R, 3);
    flipImage(a, R, R, 3);
    expect(a).toEqual(img);
    const l = lab.slice();
    flipLabels(l, R, R, [[1, 2]]);
    flipLabels(l, R, R, [[1, 2]]);
    expect(l).toEqual(lab);
    const id = shiftScaleRotate(img, lab, R, R, { dx: 0, dy: 0, scale: 1, angle: 0 });
    expect(id.image).toEqual(img);
    expect(id.labels).toEqual(lab);
    const rot = shiftScaleRotate(img, lab, R, R, { dx: 0.1, dy: -0.1, scale: 1.2, angle: 15 });
    expect([...rot.labels].every((v) => v < 3)).toBe(true);
    expect(rot.labels).not.toEqual(lab);
  });

  it('bad files are reported by path: skipped with onBadFile skip, fatal by default', async () => {
    const dir = await makeDir('bad');
    for (let i = 0; i < 4; i++) await writePair(dir, i);
    await writePair(dir, 4, { labelMax: 7 }); // label out of range
    await writePair(dir, 5, { labelSize: 4 }); // size mismatch
    await writePair(dir, 6);
    await writeFile(join(dir, 'images', '000006.png'), Buffer.from('not a png at all')); // corrupt image
    const reported: string[] = [];
    const skip = await FolderDataset.open(dir, { resolution: R, segDim: K, onBadFile: 'skip', report: (path) => reported.push(path) });
    expect(skip.size).toBe(7);
    const batches = await collect(skip, 4, 0, 4); // 16 samples: more than two epochs
    for (const b of batches) for (const i of ids(b.image, 4)) expect(i).toBeLessThan(4);
    expect(reported.sort()).toEqual([join(dir, 'images', '000006.png'), join(dir, 'labels', '000004.png'), join(dir, 'labels', '000005.png')]);
    expect(batches.at(-1)!.nextIndex).toBeGreaterThan(16);
    const strict = await FolderDataset.open(dir, { resolution: R, segDim: K });
    const error = await collect(strict, 7, 0, 1).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_DATASET' });
    expect(reported.some((p) => (error as Error).message.includes(p))).toBe(true);
  });

  it('missing folders, empty datasets and unpaired files are typed errors', async () => {
    await expect(FolderDataset.open(join(root, 'none'), { resolution: R, segDim: K })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
    const noLabels = join(root, 'nolabels');
    await mkdir(join(noLabels, 'images'), { recursive: true });
    await expect(FolderDataset.open(noLabels, { resolution: R, segDim: K })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
    const empty = await makeDir('empty');
    await expect(FolderDataset.open(empty, { resolution: R, segDim: K })).rejects.toMatchObject({ code: 'E_DATASET' });
    const unpaired = await makeDir('unpaired');
    await writePair(unpaired, 0);
    await writePair(unpaired, 1);
    await rm(join(unpaired, 'labels', '000001.png'));
    await writeFile(join(unpaired, 'labels', '000009.png'), '');
    const error = await FolderDataset.open(unpaired, { resolution: R, segDim: K }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'E_DATASET',
      details: { imagesWithoutLabel: [join(unpaired, 'images', '000001.png')], labelsWithoutImage: [join(unpaired, 'labels', '000009.png')] },
    });
  });
});
