import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACE_REGIONS } from '@semstyle/core';
import { FolderDataset } from '../folder/folder-dataset.js';
import { CELEBAMASK_CLASS_NAMES, convertCelebAMask } from './convert.js';

const S = 8;
let root: string;

/** A part mask: 255 inside the rectangle [x0, x1) × [y0, y1), else 0; 3-channel like the release. */
async function part(path: string, x0: number, y0: number, x1: number, y1: number): Promise<void> {
  const data = Buffer.alloc(S * S * 3);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data.fill(255, (y * S + x) * 3, (y * S + x) * 3 + 3);
  await sharp(data, { raw: { width: S, height: S, channels: 3 } }).png().toFile(path);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'semstyle-celebamask-'));
  const src = join(root, 'src');
  await mkdir(join(src, 'CelebA-HQ-img'), { recursive: true });
  await mkdir(join(src, 'CelebAMask-HQ-mask-anno', '0'), { recursive: true });
  await mkdir(join(src, 'CelebAMask-HQ-mask-anno', '1'), { recursive: true });
  for (const i of [0, 1, 2001]) {
    // Released images are 1024² JPEGs; 16² here (resized to the mask size by the converter).
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 200, g: 100, b: i % 255 } } }).jpeg().toFile(join(src, 'CelebA-HQ-img', `${i}.jpg`));
  }
  const a = join(src, 'CelebAMask-HQ-mask-anno', '0');
  await part(join(a, '00000_skin.png'), 0, 0, 8, 8); // everything skin…
  await part(join(a, '00000_eye_g.png'), 0, 0, 4, 2); // glasses over rows 0–1, cols 0–3
  await part(join(a, '00000_l_eye.png'), 0, 0, 2, 2); // …eyes come after glasses in the official order
  await part(join(a, '00000_r_brow.png'), 6, 0, 8, 1);
  await part(join(a, '00000_u_lip.png'), 2, 6, 6, 7);
  await part(join(a, '00000_nose.png'), 3, 3, 5, 5);
  await part(join(a, '00000_hair.png'), 0, 2, 1, 8); // hair…
  await part(join(a, '00000_r_ear.png'), 0, 4, 1, 6); // …then ears overwrite it
  await part(join(a, '00000_neck_l.png'), 7, 6, 8, 8);
  await part(join(a, '00000_hat.png'), 6, 2, 8, 3);
  await part(join(a, '00000_ear_r.png'), 0, 5, 1, 6); // earrings last of all
  // Image 1 has no parts at all; image 2001 lives in folder 1.
  await part(join(root, 'src', 'CelebAMask-HQ-mask-anno', '1', '02001_cloth.png'), 0, 7, 8, 8);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('CelebAMask-HQ converter', () => {
  it('uses the 13 classes of @semstyle/core in the official order', () => {
    expect([...CELEBAMASK_CLASS_NAMES]).toEqual([...FACE_REGIONS]);
  });

  it('merges parts with the official ids and overwrite order into FolderDataset folders', async () => {
    const warnings: string[] = [];
    const out = join(root, 'out');
    const result = await convertCelebAMask({ source: join(root, 'src'), out, indices: [0, 1, 2001], trainCount: 2000, size: S, onWarning: (m) => warnings.push(m) });
    expect(result).toEqual({ converted: 3, withoutParts: [1] });
    expect(warnings).toHaveLength(1);
    expect((await readdir(join(out, 'train', 'labels'))).sort()).toEqual(['0.png', '1.png']);
    expect(await readdir(join(out, 'val', 'images'))).toEqual(['2001.jpg']);
    expect((await sharp(join(out, 'train', 'labels', '0.png')).metadata()).channels).toBe(1); // 8-bit grey
    const data = await sharp(join(out, 'train', 'labels', '0.png')).extractChannel(0).raw().toBuffer();
    const at = (x: number, y: number) => data[y * S + x];
    expect(at(0, 0)).toBe(2); // l_eye over eye_g
    expect(at(3, 0)).toBe(10); // eye_g where no eye
    expect(at(6, 0)).toBe(3); // brow
    expect(at(3, 6)).toBe(4); // lip → mouth
    expect(at(3, 3)).toBe(5); // nose
    expect(at(0, 2)).toBe(7); // hair
    expect(at(0, 4)).toBe(6); // ear over hair
    expect(at(0, 5)).toBe(12); // earring over ear
    expect(at(7, 7)).toBe(8); // neck_l → neck
    expect(at(6, 2)).toBe(11); // hat
    expect(at(5, 5)).toBe(1); // skin
    const empty = await sharp(join(out, 'train', 'labels', '1.png')).extractChannel(0).raw().toBuffer();
    expect([...empty].every((v) => v === 0)).toBe(true);
    const cloth = await sharp(join(out, 'val', 'labels', '2001.png')).extractChannel(0).raw().toBuffer();
    expect(cloth[7 * S]).toBe(9);
    // The output is a valid FolderDataset at the mask size.
    const ds = await FolderDataset.open(join(out, 'train'), { resolution: S, segDim: 13 });
    expect(ds.size).toBe(2);
  });

  it('missing source folders or images are E_FILE_NOT_FOUND', async () => {
    await expect(convertCelebAMask({ source: join(root, 'nope'), out: join(root, 'o2') })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
    await writeFile(join(root, 'x'), '');
    await expect(convertCelebAMask({ source: join(root, 'src'), out: join(root, 'o3'), indices: [5], size: S })).rejects.toMatchObject({ code: 'E_FILE_NOT_FOUND' });
  });
});
