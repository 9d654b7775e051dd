import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, imagesToPixels, presetConfig, readSafetensors, SemanticStyleGAN } from '@semstyle/core';
import { createTestingGenerator } from '@semstyle/core/testing';
import { PNG } from 'pngjs';
import { expectCodeAsync, useWasm } from '../test-support/setup.js';
import { decodePngImage, encodeRgbPng } from './png.js';
import { loadEncoder, readEncoderCheckpoint, saveEncoderWeights } from './checkpoint.js';
import { mixedStep, trainEncoderCommand } from './train-encoder-command.js';
import { invertCommand } from './invert-command.js';

let dir: string;
let g: ReturnType<typeof createTestingGenerator>;

beforeAll(async () => {
  await useWasm();
  g = createTestingGenerator();
  dir = await mkdtemp(join(tmpdir(), 'semstyle-inversion-'));
  // Real-image folder: two generated RGB PNGs (one 40×40: resized), one grey PNG, one RGBA PNG.
  const w = g.sampleWPlus(2, 3);
  const out = g.synthesize(w);
  const pics = await imagesToPixels(out.image);
  tf.dispose([w.tensor, out]);
  await writeFile(join(dir, 'a.png'), encodeRgbPng(pics[0]!));
  await writeFile(join(dir, 'b.png'), encodeRgbPng(pics[1]!));
  const grey = new PNG({ width: 32, height: 32, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  grey.data = Buffer.alloc(32 * 32, 128);
  await writeFile(join(dir, 'c-grey.png'), PNG.sync.write(grey, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
  const rgba = new PNG({ width: 40, height: 40 });
  rgba.data = Buffer.alloc(40 * 40 * 4, 200);
  await writeFile(join(dir, 'd-rgba.png'), PNG.sync.write(rgba));
}, 60_000);

afterAll(async () => {
  g.dispose();
  await rm(dir, { recursive: true, force: true });
});

const fast = { iterations: 2, batchSize: 2, lr: 1e-3 } as const;

describe('node: PNGs, checkpoints, commands', () => {
  it('decodes grey / RGBA PNGs keeping their channels', async () => {
    const grey = decodePngImage(await readFile(join(dir, 'c-grey.png')));
    const rgba = decodePngImage(await readFile(join(dir, 'd-rgba.png')));
    expect(grey.shape).toEqual([32, 32, 1]);
    expect(rgba.shape).toEqual([40, 40, 4]);
    tf.dispose([grey, rgba]);
  });

  it('train-encoder: checkpoints atomically, resumes its step count and Adam state', async () => {
    const out = join(dir, 'enc');
    const first = await trainEncoderCommand({ generator: g, outDir: out, steps: 1, encoder: { preset: 'tiny' }, training: fast });
    expect(first.resumed).toBe(false);
    expect(first.step).toBe(1);
    const second = await trainEncoderCommand({ generator: g, outDir: out, steps: 2, training: fast, checkpointEvery: 1 });
    expect(second.resumed).toBe(true);
    expect(second.startStep).toBe(1);
    expect(second.history).toHaveLength(2);
    const ckpt = await readEncoderCheckpoint(out);
    expect(ckpt.step).toBe(2);
    expect([...ckpt.adam.values()][0]!.step).toBe(2);
    expect(ckpt.state?.history).toHaveLength(2);
    // Real PNG folder (grey / RGBA / wrong size converted and resized).
    const real = await trainEncoderCommand({ generator: g, outDir: join(dir, 'enc-real'), steps: 2, encoder: { preset: 'tiny' }, training: fast, data: { folder: dir } });
    expect(real.history.every((h) => Number.isFinite(h.loss as number))).toBe(true);
  });

  it('train-encoder: generated + real mix follows the step (also across a resume); inference-only export', async () => {
    expect([0, 1, 2, 3, 4, 5].map((s) => mixedStep(s, 0.5).generated)).toEqual([false, true, false, true, false, true]);
    expect([0, 1, 2, 3].map((s) => mixedStep(s, 0.5).realIndex)).toEqual([0, 1, 1, 2]);
    expect([0, 1, 2].map((s) => mixedStep(s, 0).generated)).toEqual([false, false, false]);
    expect([0, 1, 2].map((s) => mixedStep(s, 1).generated)).toEqual([true, true, true]);
    const out = join(dir, 'enc-mix');
    const data = { folder: dir, generatedFraction: 0.5 };
    const first = await trainEncoderCommand({ generator: g, outDir: out, steps: 3, encoder: { preset: 'tiny', headChannels: 8 }, training: fast, data });
    const second = await trainEncoderCommand({ generator: g, outDir: out, steps: 4, training: fast, data });
    expect(first.history.map((h) => h.source)).toEqual(['real', 'generated', 'real']);
    expect(second.history.map((h) => h.source)).toEqual(['real', 'generated', 'real', 'generated']);
    expect(second.history.every((h) => typeof h.seconds === 'number')).toBe(true);
    expect(second.seconds).toBeGreaterThan(0);
    // Only generated steps carry the latent term.
    expect(second.history.filter((h) => h.latent !== undefined).map((h) => h.step)).toEqual([2, 4]);
    await expectCodeAsync(() => trainEncoderCommand({ generator: g, outDir: join(dir, 'x'), steps: 1, data: { folder: dir, generatedFraction: 2 } }), 'E_INVALID_ARGUMENT');

    // The file to ship: weights + running statistics, no Adam state; reads back to the same encoder.
    const trained = await loadEncoder(out, g);
    const file = join(dir, 'encoder-weights.safetensors');
    await saveEncoderWeights(file, trained, { step: 4 });
    const shipped = await loadEncoder(file, g);
    const ckpt = await readEncoderCheckpoint(file);
    expect(ckpt.adam.size).toBe(0);
    expect(ckpt.step).toBe(4);
    expect(ckpt.config.headChannels).toBe(8);
    const full = (await stat(join(out, 'encoder.safetensors'))).size;
    expect((await stat(file)).size).toBeLessThan(full / 2);
    const x = tf.randomNormal([2, 32, 32, 6]) as tf.Tensor4D;
    const a = trained.forward(x).delta;
    const b = shipped.forward(x).delta;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    trained.dispose();
    shipped.dispose();
  });

  it('a checkpoint for another generator config is ConfigError E_CONFIG_MISMATCH', async () => {
    const other = SemanticStyleGAN.random({ ...presetConfig('tiny').generator, regionNames: ['background', 'a', 'b', 'c'] }, 0);
    await expectCodeAsync(() => loadEncoder(join(dir, 'enc'), other), 'E_CONFIG_MISMATCH', ConfigError);
    await expectCodeAsync(() => trainEncoderCommand({ generator: other, outDir: join(dir, 'enc'), steps: 3 }), 'E_CONFIG_MISMATCH', ConfigError);
    other.dispose();
  });

  it('invert: writes reconstruction, mask and w_plus latents (restyle and optimize)', async () => {
    const r = await invertCommand({ generator: g, images: [join(dir, 'a.png'), join(dir, 'b.png')], outDir: join(dir, 'inv-r'), method: 'restyle', encoder: join(dir, 'enc'), iterations: 2 });
    expect(r.names).toEqual(['a', 'b']);
    const file = readSafetensors(new Uint8Array(await readFile(r.latents)));
    expect(file.tensors.get('w_plus')!.shape).toEqual([2, g.layout.nLatent, g.layout.styleDim]);
    expect(r.files.filter((f) => f.endsWith('-reconstruction.png'))).toHaveLength(2);
    expect(r.files.filter((f) => f.endsWith('-mask.png'))).toHaveLength(2);
    const o = await invertCommand({ generator: g, images: [join(dir, 'd-rgba.png')], outDir: join(dir, 'inv-o'), method: 'optimize', steps: 3, optimize: { wStdSamples: 1000 } });
    expect(o.mse).toHaveLength(1);
    await expectCodeAsync(() => invertCommand({ generator: g, images: [join(dir, 'd-rgba.png')], outDir: join(dir, 'x'), method: 'optimize', steps: 1, resize: 'refuse' }), 'E_SHAPE');
    await expectCodeAsync(() => invertCommand({ generator: g, images: [join(dir, 'c-grey.png')], outDir: join(dir, 'x'), method: 'optimize', steps: 1, channels: 'refuse' }), 'E_SHAPE');
  });
});
