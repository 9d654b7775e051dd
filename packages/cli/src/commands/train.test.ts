import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend, readSafetensors } from '@semstyle/core';
import { r1ResolutionHint, runTrain } from './train.js';

/** The training options a checkpoint records (the trainer's `semstyle_training` metadata). */
function savedOptions(path: string): Record<string, unknown> {
  const file = readSafetensors(new Uint8Array(readFileSync(path)));
  return (JSON.parse(file.metadata['semstyle_training']!) as { options: Record<string, unknown> }).options;
}

describe('semstyle train', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('wasm', { threads: 1 });
    dir = mkdtempSync(join(tmpdir(), 'semstyle-train-'));
    mkdirSync(join(dir, 'data', 'images'), { recursive: true });
    mkdirSync(join(dir, 'data', 'labels'));
    // Two 32² pairs for the `tiny` preset (K = 4): stripes of classes 0..3 and a matching gradient image.
    for (let i = 0; i < 2; i++) {
      const image = new PNG({ width: 32, height: 32 });
      const label = new PNG({ width: 32, height: 32, colorType: 0, inputColorType: 0, bitDepth: 8 });
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const p = y * 32 + x;
          const cls = (Math.floor(y / 8) + i) % 4;
          image.data.set([cls * 60, x * 8, y * 8, 255], p * 4);
          label.data[p] = cls;
        }
      }
      writeFileSync(join(dir, 'data', 'images', `${i}.png`), PNG.sync.write(image));
      writeFileSync(join(dir, 'data', 'labels', `${i}.png`), PNG.sync.write(label, { colorType: 0, inputColorType: 0 }));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const quiet = async (argv: string[]) => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await runTrain(argv);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  };

  it('takes --r1-img / --r1-seg / --lambda-mask, records them, and a resume can replace them', async () => {
    const out = join(dir, 'run');
    const common = ['--data', join(dir, 'data'), '--batch', '2', '--out', out, '--threads', '1'];
    await quiet([...common, '--config', 'tiny', '--steps', '1', '--r1-img', '0.5', '--r1-seg', '62.5', '--lambda-mask', '20']);
    const first = savedOptions(join(out, 'checkpoints', '000001.safetensors'));
    expect([first['r1Img'], first['r1Seg'], first['lambdaMask']]).toEqual([0.5, 62.5, 20]);

    // Resume: what is not given stays as recorded; what is given replaces it.
    await quiet([...common, '--resume', join(out, 'checkpoints', '000001.safetensors'), '--steps', '2', '--r1-seg', '10']);
    const second = savedOptions(join(out, 'checkpoints', '000002.safetensors'));
    expect([second['r1Img'], second['r1Seg'], second['lambdaMask']]).toEqual([0.5, 10, 20]);
  }, 120_000);

  it('rejects a negative or non-numeric weight before any work', async () => {
    const base = ['--data', join(dir, 'data'), '--config', 'tiny', '--steps', '1', '--out', join(dir, 'bad')];
    await expect(runTrain([...base, '--r1-seg=-1'])).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: /--r1-seg/ });
    await expect(runTrain([...base, '--lambda-mask', 'lots'])).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: /--lambda-mask/ });
    await expect(runTrain([...base, '--r1-img', ''])).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: /--r1-img/ });
  });

  it('suggests γ_seg scaled by resolution² only below 256² with the official value, and not for adaptation', () => {
    expect(r1ResolutionHint(64, 1000, false)).toMatch(/16× more per region.*--r1-seg 62\.5/);
    expect(r1ResolutionHint(128, 1000, false)).toMatch(/--r1-seg 250 /);
    expect(r1ResolutionHint(256, 1000, false)).toBeUndefined();
    expect(r1ResolutionHint(64, 62.5, false)).toBeUndefined();
    expect(r1ResolutionHint(64, 1000, true)).toBeUndefined();
  });
});
