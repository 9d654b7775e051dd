import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileError, initBackend, InputError, loadCheckpoint, readSafetensors, SemstyleError } from '@semstyle/core';
import { convertCommand } from './convert.js';

const FIXTURE = fileURLToPath(new URL('../../../../../shared/fixtures/official-parity/small/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

async function rejection(promise: Promise<unknown>): Promise<SemstyleError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(SemstyleError.isInstance(error), String(error)).toBe(true);
  return error as SemstyleError;
}

describe('semstyle convert', () => {
  let out: string;
  beforeAll(async () => {
    await initBackend('wasm');
    out = mkdtempSync(join(tmpdir(), 'semstyle-convert-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('.pt → native dir → safetensors, verified: every weight and output identical (max abs difference 0)', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const native = join(out, 'model') + '/';
    const a = await convertCommand({ input: join(FIXTURE, 'checkpoint.pt'), output: native, verify: true, log: (l) => lines.push(l) });
    expect(a.inputFormat).toBe('pytorch');
    expect(a.outputFormat).toBe('native');
    expect(a.modules).toEqual(['g_ema', 'd']);
    expect(a.verify).toMatchObject({ maxAbsDiff: 0, tensorsDiffering: 0, identical: true });
    expect(a.verify!.perModule).toEqual({ g_ema: 0, d: 0 });
    expect(lines.join('\n')).toMatch(/max abs difference 0 /);
    expect(readdirSync(native).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);

    const st = join(out, 'model.safetensors');
    const b = await convertCommand({ input: native, output: st, verify: true });
    expect(b.inputFormat).toBe('native');
    expect(b.outputFormat).toBe('safetensors');
    expect(b.verify).toMatchObject({ maxAbsDiff: 0, identical: true });
    // Official names, NCHW float32: the same tensors as the official fixture's weights.safetensors.
    const ours = readSafetensors(new Uint8Array(readFileSync(st)));
    const official = readSafetensors(new Uint8Array(readFileSync(join(FIXTURE, 'weights.safetensors'))));
    expect(new Set(ours.tensors.keys())).toEqual(new Set(official.tensors.keys()));
    for (const [name, t] of official.tensors) {
      const u = ours.tensors.get(name)!;
      expect(u.shape, name).toEqual(t.shape);
      expect(Buffer.from((u.data as Float32Array).buffer).equals(Buffer.from((t.data as Float32Array).buffer)), name).toBe(true);
    }
    expect(JSON.parse(ours.metadata['config']!).model.size).toBe(64);
    expect(tf.memory().numTensors, 'convert + verify leave no tensors').toBe(before);
  });

  it('--generator all carries g and g_ema through safetensors and native; --no-discriminator drops d', async () => {
    const before = tf.memory().numTensors;
    const st = join(out, 'all.safetensors');
    const a = await convertCommand({ input: join(FIXTURE, 'checkpoint.pt'), output: st, generatorWeights: 'all', verify: true, samples: 2 });
    expect(a.modules).toEqual(['g_ema', 'g', 'd']);
    expect(a.verify).toMatchObject({ maxAbsDiff: 0, identical: true });
    expect(Object.keys(a.verify!.perModule).sort()).toEqual(['d', 'g', 'g_ema']);
    const g = await loadCheckpoint(new Uint8Array(readFileSync(st)), { generator: 'g' });
    g.dispose();

    const dir = join(out, 'all-native');
    const b = await convertCommand({ input: st, output: dir, generatorWeights: 'all', discriminator: false, verify: true, samples: 2 });
    expect(b.modules).toEqual(['g_ema', 'g']);
    expect(b.verify).toMatchObject({ maxAbsDiff: 0, identical: true });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { userDefinedMetadata: { semstyle: { contents: string[] } } };
    expect(json.userDefinedMetadata.semstyle.contents).toEqual(['g_ema', 'g']);

    const c = await convertCommand({ input: dir, output: join(out, 'raw.safetensors'), generatorWeights: 'g', verify: true, samples: 1 });
    expect(c.modules).toEqual(['g']);
    expect(c.verify!.identical).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses .pt output, unknown extensions, missing input, and an unwritable output (E_IO, nothing left)', async () => {
    const pt = join(FIXTURE, 'checkpoint.pt');
    expect((await rejection(convertCommand({ input: pt, output: join(out, 'x.pt') }))).code).toBe('E_INVALID_ARGUMENT');
    expect(await rejection(convertCommand({ input: pt, output: join(out, 'x.onnx') }))).toBeInstanceOf(InputError);
    expect((await rejection(convertCommand({ input: join(out, 'nope.pt'), output: join(out, 'y/') }))).code).toBe('E_FILE_NOT_FOUND');

    const blocker = join(out, 'blocker');
    writeFileSync(blocker, 'not a directory');
    const listing = readdirSync(out).sort();
    const before = tf.memory().numTensors;
    for (const target of [join(blocker, 'model/'), join(blocker, 'model.safetensors')]) {
      const error = await rejection(convertCommand({ input: pt, output: target }));
      expect(error).toBeInstanceOf(FileError);
      expect(error.code).toBe('E_IO');
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(readdirSync(out).sort()).toEqual(listing);
  });

  it('runs from the command line: semstyle convert IN OUT --verify', () => {
    const tsx = join(ROOT, 'node_modules/.bin/tsx');
    if (!existsSync(tsx)) return;
    const target = join(out, 'cli-model');
    const run = spawnSync(tsx, [join(ROOT, 'packages/cli/src/cli.ts'), 'convert', join(FIXTURE, 'weights.safetensors'), target, '--verify', '--samples', '2'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/converted .*weights\.safetensors \(safetensors\) → .*cli-model \(native\): g_ema, d, \d+ tensors/);
    expect(run.stdout).toMatch(/verify: max abs difference 0; 0 of \d+ tensors differ/);
    expect(existsSync(join(target, 'model.json'))).toBe(true);
    const bad = spawnSync(tsx, [join(ROOT, 'packages/cli/src/cli.ts'), 'convert', join(FIXTURE, 'weights.safetensors')], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/convert needs IN and OUT/);
  });
});
