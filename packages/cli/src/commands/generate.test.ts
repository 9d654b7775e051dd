import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, readSafetensors, writeSafetensors } from '@semstyle/core';
import { loadGenerator } from '@semstyle/core/node';
import { generateCommand } from './generate.js';
import { parseSeeds } from '../seeds.js';

const FIXTURE = fileURLToPath(new URL('../../../../../shared/fixtures/official-parity/small/', import.meta.url));

describe('semstyle generate', () => {
  let out: string;
  beforeAll(async () => {
    await initBackend('wasm');
    out = mkdtempSync(join(tmpdir(), 'semstyle-generate-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('parses seed lists', () => {
    expect(parseSeeds('0-3')).toEqual([0, 1, 2, 3]);
    expect(parseSeeds('1,4, 9')).toEqual([1, 4, 9]);
    expect(parseSeeds('0-1,7')).toEqual([0, 1, 7]);
    expect(() => parseSeeds('x')).toThrow(/use e.g. 0-7/);
    expect(() => parseSeeds('5-2')).toThrow(/backwards/);
  });

  it('reproduces the official goldens from a latents file, written as NCHW safetensors', async () => {
    const goldens = readSafetensors(new Uint8Array(readFileSync(join(FIXTURE, 'goldens.safetensors')))).tensors;
    const latents = join(out, 'z.safetensors');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(latents, writeSafetensors(new Map([['z', goldens.get('z')!]])));
    const before = tf.memory().numTensors;
    const generator = await loadGenerator(join(FIXTURE, 'checkpoint.pt'));
    const tensors = join(out, 'out.safetensors');
    const result = await generateCommand({ generator, latentsFile: latents, outDir: join(out, 'png'), tensorsFile: tensors, batchSize: 3 });
    generator.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(result.count).toBe(4);
    const written = readSafetensors(new Uint8Array(readFileSync(tensors))).tensors;
    for (const [name, golden] of [['image', 'image'], ['seg', 'seg'], ['seg_coarse', 'seg_coarse'], ['depths', 'depths'], ['m', 'm']] as const) {
      const a = written.get(name)!;
      const b = goldens.get(golden)!;
      expect(a.shape).toEqual(b.shape);
      const da = a.data as Float32Array;
      const db = b.data as Float32Array;
      let err = 0;
      let max = 0;
      for (let i = 0; i < db.length; i++) {
        err = Math.max(err, Math.abs(da[i]! - db[i]!));
        max = Math.max(max, Math.abs(db[i]!));
      }
      expect(err / Math.max(1, max), name).toBeLessThanOrEqual(1e-4);
    }
    const png = PNG.sync.read(readFileSync(join(out, 'png', 'latent0000_mask.png')));
    expect([png.width, png.height]).toEqual([64, 64]);
  });

  it('the installed bin writes images, masks and depth maps for seeds', () => {
    const bin = fileURLToPath(new URL('../../bin/semstyle.js', import.meta.url));
    if (!existsSync(fileURLToPath(new URL('../../dist/cli.js', import.meta.url)))) return; // built by `npm ci` (prepare)
    const dir = join(out, 'bin');
    const run = spawnSync(process.execPath, [bin, 'generate', '--checkpoint', join(FIXTURE, 'weights.safetensors'), '--seeds', '0-1', '--truncation', '0.7', '--out', dir], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/wrote 2 sample\(s\) \(6 files\)/);
    for (const f of ['seed0000_image.png', 'seed0001_mask.png', 'seed0001_depth.png']) expect(existsSync(join(dir, f))).toBe(true);
    const missing = spawnSync(process.execPath, [bin, 'generate', '--checkpoint', join(out, 'nope.pt'), '--out', dir], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/error \[E_FILE_NOT_FOUND\]: File not found/);
  });
});
