import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagesToPixels, initBackend } from '@semstyle/core';
import { createTestingGenerator } from '@semstyle/core/testing';
import { encodeRgbPng, readEncoderCheckpoint } from '@semstyle/inversion/node';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'semstyle-default-model-'));
const realTrain = join(dir, 'real-train');
const realHeldout = join(dir, 'real-heldout');
const out = join(dir, 'out');

/** Run the script as the README says (`npx tsx packages/inversion/scripts/default-model.ts …`), on the tiny testing generator. */
function run(args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'packages/inversion/scripts/default-model.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const common = (steps: number) => [
  '--checkpoint', 'testing', '--out', out, '--encoder-steps', String(steps), '--train-real', realTrain, '--heldout-real', realHeldout,
  '--k', '3', '--strip', '2', '--opt-steps', '4', '--opt-modes', 'w+,w', '--batch', '2', '--train-iterations', '2', '--lr', '1e-3',
  '--w-std-samples', '200', '--checkpoint-every', '1',
];

beforeAll(async () => {
  await initBackend('wasm');
  // Two folders of "dataset" PNGs (generated faces of another seed, written at 40×40 so they are resized).
  const g = createTestingGenerator({ seed: 7 });
  const pics = await imagesToPixels(tf.tidy(() => tf.image.resizeBilinear(g.synthesize(g.sampleWPlus(6, 11)).image, [40, 40]) as tf.Tensor4D));
  g.dispose();
  for (const [folder, offset] of [[realTrain, 0], [realHeldout, 3]] as const) {
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(folder, `${i}.png`), encodeRgbPng(pics[offset + i]!));
  }
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scripts/default-model.ts (tiny testing generator)', () => {
  it('trains, evaluates ReStyle per pass and optimisation, swaps a region, writes JSON + table + strip; resumes', () => {
    run(common(2));
    const first = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(first.encoder.steps).toBe(2);
    // An existing encoder is not overwritten by accident.
    expect(() => run(common(3))).toThrow(/--resume/);
    const stdout = run([...common(3), '--resume']);
    expect(stdout).toMatch(/Resuming ReStyle encoder/);
    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(r.encoder.steps).toBe(3);
    // Mixed data: step 1 real, 2 generated, 3 real (generated fraction 0.5), across the resume.
    const ckpt = JSON.parse(readFileSync(join(out, 'encoder', 'encoder.json'), 'utf8'));
    expect(ckpt.history.map((h: { source: string }) => h.source)).toEqual(['real', 'generated', 'real']);
    // Rows: the mean-latent start, 5 ReStyle passes, W+ and W optimisation — for both sets.
    for (const set of ['generated', 'real']) {
      expect(r[set].map((row: { method: string }) => row.method)).toEqual([
        'w̄ (start of both)', 'ReStyle pass 1', 'ReStyle pass 2', 'ReStyle pass 3', 'ReStyle pass 4', 'ReStyle pass 5',
        'optimisation W+ (4 steps)', 'optimisation W (4 steps)',
      ]);
      for (const row of r[set]) for (const k of ['mse', 'psnr', 'ssim']) expect(Number.isFinite(row[k])).toBe(true);
    }
    expect(r.generated.every((row: { latentMse?: number }) => Number.isFinite(row.latentMse))).toBe(true);
    expect(r.real.every((row: { latentMse?: number }) => row.latentMse === undefined)).toBe(true);
    expect(Object.keys(r.swap)).toEqual(['region', 'dataset faces, ReStyle latents', 'dataset faces, optimised W+ latents', 'generated faces, ground-truth latents (the generator’s own locality)']);
    const swap = r.swap['generated faces, ground-truth latents (the generator’s own locality)'];
    expect(swap.outsideFraction).toBeGreaterThanOrEqual(0);
    expect(swap.outsideFraction).toBeLessThanOrEqual(1);
    // The table and the strip; the inference-only weights load as an encoder file without Adam state.
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).toContain('| ReStyle pass 5 |');
    expect(md).toContain('Regenerate: `npx tsx packages/inversion/scripts/default-model.ts');
    expect(existsSync(join(out, 'strip.png'))).toBe(true);
    expect(r.encoder.bytes.weights).toBeLessThan(r.encoder.bytes.checkpoint / 2);
  }, 240_000);

  it('the shipped weights file reads back without optimiser state', async () => {
    const ckpt = await readEncoderCheckpoint(join(out, 'encoder-weights.safetensors'));
    expect(ckpt.adam.size).toBe(0);
    expect(ckpt.step).toBe(3);
    expect(ckpt.metadata.generator).toBe('testing');
  });
});
