import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { SemstyleError } from '../contract/errors.js';
import { loadCheckpoint } from '../io/load-checkpoint.js';
import type { ParameterStore } from '../networks/parameters.js';
import { syntheticDataSource } from './data-source.js';
import { tinyTrainingConfig } from './test-config.js';
import { Trainer, type StepResult, type TrainingLosses } from './trainer.js';

const config = tinyTrainingConfig();
const data = syntheticDataSource({ size: 10, resolution: 16, segDim: 3 });
// All regularisers on, and often: R1 every 4 steps, path length every 2.
const options = { batchSize: 4, dRegEvery: 4, gRegEvery: 2, checkpointEvery: 15 };
const LOSS_KEYS: (keyof TrainingLosses)[] = ['d', 'g', 'r1Img', 'r1Seg', 'path', 'pathLength', 'mask', 'realScore', 'fakeScore'];

function snapshot(store: ParameterStore): Map<string, Float32Array> {
  return new Map(store.entries().filter(([, v]) => v.trainable).map(([name, v]) => [name, (v.dataSync() as Float32Array).slice()]));
}

function losses(r: StepResult): number[] {
  return LOSS_KEYS.map((k) => r[k]);
}

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'semstyle-train-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Trainer', () => {
  let uninterrupted: StepResult[] = [];
  let finalEma: Map<string, Float32Array>;

  it('trains 30 steps with every regulariser: finite losses, every weight moves, G_ema ≠ G', async () => {
    const trainer = new Trainer({ config, data, options, outDir: join(dir, 'a'), seed: 7 });
    const g0 = snapshot(trainer.g.params);
    const d0 = snapshot(trainer.d.params);
    for (let i = 0; i < 30; i++) uninterrupted.push(await trainer.step());
    expect(uninterrupted.filter((r) => r.ranR1)).toHaveLength(8); // steps 0, 4, …, 28
    expect(uninterrupted.filter((r) => r.ranPath)).toHaveLength(15);
    for (const r of uninterrupted) for (const v of losses(r)) expect(Number.isFinite(v)).toBe(true);
    expect(uninterrupted.some((r) => r.r1Seg > 0 && r.r1Img > 0 && r.path > 0 && r.mask > 0)).toBe(true);
    const changed = (before: Map<string, Float32Array>, store: ParameterStore) =>
      [...before].filter(([name, v]) => {
        const now = store.get(name).dataSync();
        return !v.every((x, j) => x === now[j]);
      }).length;
    expect(changed(g0, trainer.g.params)).toBe(g0.size);
    expect(changed(d0, trainer.d.params)).toBe(d0.size);
    const g = snapshot(trainer.g.params);
    finalEma = snapshot(trainer.gEma.params);
    expect(changed(g, trainer.gEma.params)).toBe(g.size);
    expect(trainer.meanPathLength).toBeGreaterThan(0);
    expect(readdirSync(join(dir, 'a', 'checkpoints')).sort()).toEqual(['000015.safetensors', '000030.safetensors']);
    trainer.dispose();
  });

  it('resumes from the step-15 checkpoint bit for bit (steps 16–30)', async () => {
    const trainer = await Trainer.resume(join(dir, 'a', 'checkpoints', '000015.safetensors'), data, { config, outDir: join(dir, 'b') });
    expect(trainer.currentStep).toBe(15);
    const resumed: StepResult[] = [];
    for (let i = 0; i < 15; i++) resumed.push(await trainer.step());
    for (let i = 0; i < 15; i++) {
      expect(resumed[i]!.step).toBe(16 + i);
      expect(losses(resumed[i]!)).toEqual(losses(uninterrupted[15 + i]!));
      for (const [a, b] of losses(resumed[i]!).map((v, j) => [v, losses(uninterrupted[15 + i]!)[j]!])) expect(Object.is(a, b)).toBe(true);
    }
    const ema = snapshot(trainer.gEma.params);
    for (const [name, v] of finalEma) expect(ema.get(name)).toEqual(v);
    trainer.dispose();
  });

  it('writes checkpoints that loadCheckpoint reads (G_ema, config)', async () => {
    const bytes = new Uint8Array(readFileSync(join(dir, 'a', 'checkpoints', '000030.safetensors')));
    const loaded = await loadCheckpoint(bytes, { weights: 'g_ema' } as never);
    expect(loaded.config.generator.size).toBe(16);
    const ema = await loaded.generator.toStateDict();
    const name = 'style.1.weight';
    expect(ema.has(name)).toBe(true);
    loaded.generator.dispose();
    (loaded as { discriminator?: { dispose(): void } }).discriminator?.dispose();
  });

  it('refuses a checkpoint of another config (E_CONFIG_MISMATCH)', async () => {
    const other = tinyTrainingConfig({ local_channel: 4 });
    const error = await Trainer.resume(join(dir, 'a', 'checkpoints', '000015.safetensors'), data, { config: other }).catch((e: unknown) => e);
    expect(SemstyleError.isInstance(error) && error.code).toBe('E_CONFIG_MISMATCH');
    const wrongData = syntheticDataSource({ size: 4, resolution: 16, segDim: 5 });
    expect(() => new Trainer({ config, data: wrongData })).toThrow(expect.objectContaining({ code: 'E_CONFIG_MISMATCH' }));
  });

  it('an unwritable folder is E_IO and leaves no file behind', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const trainer = new Trainer({ config, data, options: { batchSize: 2 }, outDir: join(blocker, 'out'), seed: 1 });
    try {
      const error = await trainer.saveCheckpoint().catch((e: unknown) => e);
      expect(SemstyleError.isInstance(error) && error.code).toBe('E_IO');
      const error2 = await trainer.saveCheckpoint(join(dir, 'missing-parent', 'x', 'ck.safetensors')).then(
        () => 'ok',
        (e: unknown) => e,
      );
      // A creatable path works; the blocked one left nothing.
      expect(error2).toBe('ok');
      expect(existsSync(join(blocker, 'out'))).toBe(false);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      trainer.dispose();
    }
  });

  it('a wasm crash inside a step is a BackendError naming the step and batch', async () => {
    const trainer = new Trainer({ config, data, options: { batchSize: 2 }, seed: 1 });
    try {
      (trainer as unknown as { iterate: () => never }).iterate = () => {
        throw new WebAssembly.RuntimeError('memory access out of bounds');
      };
      const error = await trainer.step().catch((e: unknown) => e);
      expect(SemstyleError.isInstance(error) && ['E_BACKEND', 'E_OUT_OF_MEMORY'].includes(error.code)).toBe(true);
      expect((error as Error).message).toContain('during training step 1 at batch 2');
      expect(trainer.currentStep).toBe(0); // the failed step is not counted
    } finally {
      trainer.dispose();
    }
  });

  it('leaks no tensors across steps (after the first)', async () => {
    const trainer = new Trainer({ config, data, options: { batchSize: 2, dRegEvery: 2, gRegEvery: 2, mixing: 0.5 }, seed: 3 });
    await trainer.step();
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      await trainer.step();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    trainer.dispose();
  });

  it('domain adaptation: image-only D, frozen local generators; metric hooks and sample grids', async () => {
    const calls: number[] = [];
    const outDir = join(dir, 'adapt');
    const trainer = new Trainer({
      config,
      data,
      options: {
        batchSize: 2,
        dRegEvery: 2,
        gRegEvery: 2,
        adaptation: true,
        freezeLocal: true,
        sampleEvery: 2,
        sampleCount: 4,
        metrics: [{ every: 2, name: 'probe', run: async (gEma) => (calls.push(gEma.config.size), { answer: 42 }) }],
      },
      outDir,
      seed: 5,
    });
    const g0 = snapshot(trainer.g.params);
    const d0 = snapshot(trainer.d.params);
    const results: StepResult[] = [];
    await trainer.train({ steps: 2, onProgress: (p) => void results.push(p.result) });
    expect(calls).toEqual([16]);
    expect(results[1]!.metrics).toEqual({ 'probe/answer': 42 });
    expect(results[0]!.r1Seg).toBe(0);
    const same = (before: Map<string, Float32Array>, store: ParameterStore, name: string) => {
      const now = store.get(name).dataSync();
      return before.get(name)!.every((x, j) => x === now[j]);
    };
    for (const name of g0.keys()) {
      const frozen = name.startsWith('local_nets.') || name.startsWith('pos_embed.');
      expect(same(g0, trainer.g.params, name)).toBe(frozen);
    }
    for (const name of d0.keys()) expect(same(d0, trainer.d.params, name)).toBe(name.startsWith('convs_seg.'));
    const png = readFileSync(join(outDir, 'samples', 'img_000002.png'));
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(existsSync(join(outDir, 'samples', 'mask_000002.png'))).toBe(true);
    const log = readFileSync(join(outDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log).toHaveLength(2);
    expect(log[1]!['metrics']).toEqual({ 'probe/answer': 42 });
    trainer.dispose();
  });
});
