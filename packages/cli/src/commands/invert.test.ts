import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '@semstyle/core';
import { readEncoderCheckpoint } from '@semstyle/inversion/node';
import { runInvert, runTrainEncoder } from './invert.js';

const FIXTURE = fileURLToPath(new URL('../../../../../shared/fixtures/official-parity/small/weights.safetensors', import.meta.url));

describe('semstyle train-encoder', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'semstyle-train-encoder-'));
    mkdirSync(join(dir, 'images'));
    for (let i = 0; i < 2; i++) {
      const png = new PNG({ width: 64, height: 64 });
      for (let p = 0; p < png.data.length; p++) png.data[p] = p % 4 === 3 ? 255 : (p * (i + 3)) % 251;
      writeFileSync(join(dir, 'images', `${i}.png`), PNG.sync.write(png));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('mixes generated and real steps, sets width / batch / passes, exports the inference-only weights', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const exported = join(dir, 'encoder-weights.safetensors');
    try {
      await runTrainEncoder([
        '--checkpoint', FIXTURE, '--out', join(dir, 'enc'), '--steps', '2', '--data', join(dir, 'images'), '--generated-fraction', '0.5',
        '--preset', 'tiny', '--head-channels', '8', '--batch', '1', '--iterations', '1', '--lr', '1e-3', '--export', exported,
      ]);
    } finally {
      spy.mockRestore();
    }
    const summary = JSON.parse(lines[lines.length - 1]!);
    expect(summary.step).toBe(2);
    expect(summary.historyLength).toBe(2);
    expect(summary.history).toBeUndefined();
    const state = JSON.parse(readFileSync(join(dir, 'enc', 'encoder.json'), 'utf8'));
    expect(state.history.map((h: { source: string; lossPerIteration: number[] }) => [h.source, h.lossPerIteration.length])).toEqual([['real', 1], ['generated', 1]]);
    expect(state.training.batchSize).toBe(1);
    const shipped = await readEncoderCheckpoint(exported);
    expect(shipped.adam.size).toBe(0);
    expect(shipped.config.headChannels).toBe(8);
    expect(shipped.step).toBe(2);
  }, 120_000);

  it('--generated-fraction needs --data', async () => {
    await expect(runTrainEncoder(['--checkpoint', FIXTURE, '--out', join(dir, 'x'), '--steps', '1', '--generated-fraction', '0.5'])).rejects.toThrow(/--data/);
  });
});

describe('semstyle invert --method restyle on the default model', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'semstyle-invert-default-'));
    const png = new PNG({ width: 64, height: 64 });
    for (let p = 0; p < png.data.length; p++) png.data[p] = p % 4 === 3 ? 255 : (p * 7) % 251;
    writeFileSync(join(dir, 'face.png'), PNG.sync.write(png));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the embedded default encoder when neither --checkpoint nor --encoder is given', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      await runInvert([join(dir, 'face.png'), '--out', join(dir, 'out'), '--method', 'restyle', '--iterations', '2']);
    } finally {
      spy.mockRestore();
    }
    const summary = JSON.parse(lines[lines.length - 1]!) as { names: string[]; mse: number[] };
    expect(summary.names).toEqual(['face']);
    expect(summary.mse[0]).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'out', 'face-reconstruction.png')).length).toBeGreaterThan(0);
  }, 120_000);

  it('still asks for --encoder with a --checkpoint model', async () => {
    await expect(runInvert([join(dir, 'face.png'), '--checkpoint', FIXTURE, '--out', join(dir, 'x'), '--method', 'restyle'])).rejects.toThrow(/needs --encoder/);
  });
});
