import { mkdir, mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CLASS_NAMES } from './classes.js';
import { datasetFacesCommand } from './command.js';
import { FACESJS_VERSION, writeFaceDataset, type FaceDatasetProgress } from './dataset.js';
import { decodePng } from './png.js';
import { faceSeed } from './prng.js';
import { renderFace } from './render.js';

const N = 6;
const SIZE = 64;
let root: string;
const dir = (name: string) => join(root, name);

async function readAll(out: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const sub of ['images', 'labels']) for (const f of (await readdir(join(out, sub))).sort()) files.set(`${sub}/${f}`, await readFile(join(out, sub, f)));
  files.set('attributes.jsonl', await readFile(join(out, 'attributes.jsonl')));
  return files;
}

function expectSameFiles(a: Map<string, Buffer>, b: Map<string, Buffer>) {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, v] of a) expect(v.equals(b.get(k)!), k).toBe(true);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'semstyle-datasets-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeFaceDataset', () => {
  it('writes the documented layout, readable by a loader', async () => {
    const progress: FaceDatasetProgress[] = [];
    const res = await writeFaceDataset({ n: N, size: SIZE, out: dir('a'), seed: 9, onProgress: (p) => progress.push(p) });
    expect(res).toMatchObject({ n: N, size: SIZE, seed: 9, rendered: N, skipped: 0 });
    expect(progress.at(-1)).toEqual({ done: N, total: N, rendered: N, skipped: 0 });
    expect(progress[0]!.done).toBe(0);

    const manifest = JSON.parse(await readFile(join(dir('a'), 'dataset.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'semstyle-faces', n: N, size: SIZE, seed: 9, complete: true, classes: [...CLASS_NAMES] });
    expect(manifest.generator).toEqual({ name: '@semstyle/datasets/faces', version: '0.1.0', facesjs: FACESJS_VERSION });
    expect(manifest.attributes.smiling.type).toBe('boolean');

    const lines = (await readFile(join(dir('a'), 'attributes.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(N);
    for (const [i, line] of lines.entries()) {
      expect(line).toMatchObject({ index: i, file: `${String(i).padStart(6, '0')}.png`, seed: faceSeed(9, i) });
      const img = await decodePng(await readFile(join(dir('a'), 'images', line.file)));
      const lab = await decodePng(await readFile(join(dir('a'), 'labels', line.file)));
      expect([img.width, img.height, img.channels]).toEqual([SIZE, SIZE, 3]);
      expect([lab.width, lab.height, lab.channels]).toEqual([SIZE, SIZE, 1]);
      // the files are renderFace(seed) exactly
      const face = await renderFace(line.seed, SIZE);
      expect(Buffer.from(img.data).equals(Buffer.from(face.image))).toBe(true);
      expect(Buffer.from(lab.data).equals(Buffer.from(face.labels))).toBe(true);
      expect(line.attributes).toEqual(JSON.parse(JSON.stringify(face.attributes)));
    }
    expect((await readdir(join(dir('a'), 'images'))).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('is byte-identical across runs and worker counts', async () => {
    await writeFaceDataset({ n: N, size: SIZE, out: dir('b1'), seed: 9 });
    await writeFaceDataset({ n: N, size: SIZE, out: dir('b2'), seed: 9, workers: 2 });
    const a = await readAll(dir('a'));
    expectSameFiles(a, await readAll(dir('b1')));
    expectSameFiles(a, await readAll(dir('b2')));
  });

  it('resumes: skips complete faces, re-renders missing and truncated ones, can grow n', async () => {
    await rm(join(dir('b1'), 'images', '000002.png'));
    await truncate(join(dir('b1'), 'labels', '000004.png'), 30);
    await writeFile(join(dir('b1'), 'images', '000005.png.123-0.tmp'), 'junk');
    const res = await writeFaceDataset({ n: N, size: SIZE, out: dir('b1'), seed: 9 });
    expect(res).toMatchObject({ rendered: 2, skipped: N - 2 });
    expectSameFiles(await readAll(dir('a')), await readAll(dir('b1')));
    const grown = await writeFaceDataset({ n: N + 2, size: SIZE, out: dir('b1'), seed: 9 });
    expect(grown).toMatchObject({ rendered: 2, skipped: N });
  });

  it('refuses a non-empty or different dataset dir unless overwrite', async () => {
    await mkdir(dir('c'), { recursive: true });
    await writeFile(join(dir('c'), 'notes.txt'), 'mine');
    await expect(writeFaceDataset({ n: 2, size: SIZE, out: dir('c') })).rejects.toMatchObject({ name: 'FileError', code: 'E_DATASET' });
    await expect(writeFaceDataset({ n: N, size: SIZE, out: dir('a'), seed: 10 })).rejects.toMatchObject({ code: 'E_DATASET' });
    await expect(writeFaceDataset({ n: N, size: 32, out: dir('a'), seed: 9 })).rejects.toMatchObject({ code: 'E_DATASET' });
    await expect(writeFaceDataset({ n: 2, size: SIZE, out: dir('a'), seed: 9 })).rejects.toMatchObject({ code: 'E_DATASET' });
    await expect(writeFaceDataset({ n: N, size: SIZE, out: dir('a'), seed: 9, resume: false })).rejects.toMatchObject({ code: 'E_DATASET' });
    const res = await writeFaceDataset({ n: 2, size: SIZE, out: dir('c'), overwrite: true });
    expect(res.rendered).toBe(2);
    expect((await readdir(dir('c'))).sort()).toEqual(['attributes.jsonl', 'dataset.json', 'images', 'labels', 'notes.txt']);
  });

  it('rejects bad input with typed errors', async () => {
    const bad = async (opts: Record<string, unknown>, name: string, code: string) =>
      expect(writeFaceDataset({ n: 1, size: SIZE, out: dir('bad'), ...opts } as never)).rejects.toMatchObject({ name, code });
    for (const n of [0, -1, 1.5, Number.NaN]) await bad({ n }, 'InputError', 'E_INVALID_ARGUMENT');
    for (const size of [0, 3.5, -64, '64']) await bad({ size }, 'InputError', 'E_INVALID_ARGUMENT');
    await bad({ seed: -2 }, 'InputError', 'E_INVALID_ARGUMENT');
    await bad({ workers: 0 }, 'InputError', 'E_INVALID_ARGUMENT');
    await bad({ out: '' }, 'InputError', 'E_INVALID_ARGUMENT');
    await bad({ classMap: { hair: 'fur' } }, 'InputError', 'E_INVALID_ARGUMENT');
    await bad({ classMap: { tail: 'hair' } }, 'InputError', 'E_INVALID_ARGUMENT');
    // unwritable: a path below a regular file
    await writeFile(join(root, 'a-file'), 'x');
    await bad({ out: join(root, 'a-file', 'sub') }, 'FileError', 'E_IO');
    // nothing was rendered for the bad calls
    await expect(readdir(dir('bad'))).rejects.toThrow();
  });
});

describe('datasetFacesCommand', () => {
  it('takes CLI-style string options and reports progress', async () => {
    const seen: number[] = [];
    const res = await datasetFacesCommand({ n: '3', size: '32', out: dir('cli'), seed: '5', workers: '1', classMap: '{"facialHair":"skin"}' }, { onProgress: (p) => seen.push(p.done) });
    expect(res).toMatchObject({ n: 3, size: 32, seed: 5, rendered: 3 });
    expect(seen).toEqual([0, 1, 2, 3]);
    const manifest = JSON.parse(await readFile(join(dir('cli'), 'dataset.json'), 'utf8'));
    expect(manifest.classMap.facialHair).toBe('skin');
  });

  it('rejects unparsable options', async () => {
    await expect(datasetFacesCommand({ n: 'many', size: '64', out: dir('cli2') })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(datasetFacesCommand({ n: '1', size: '6.4', out: dir('cli2') })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(datasetFacesCommand({ n: '1', size: '64', out: dir('cli2'), classMap: '{oops' })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});
