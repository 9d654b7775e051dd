import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, SeededRandom } from '@semstyle/core';
import { createTestingGenerator, leakedTensors } from '@semstyle/core/testing';
import { StyleFlow } from '../flow/styleflow.js';
import { flowCheckpointBytes, readFlowCheckpoint, disposeFlowCheckpoint } from '../train/checkpoint.js';
import type { FlowDataSource } from '../train/data-source.js';
import { FlowTrainer } from '../train/trainer.js';
import { loadFlow, readFlowCheckpointFile } from './checkpoint-files.js';
import { flowEditCommand } from './flow-edit-command.js';
import { readFlowPairs, writeFlowPairs } from './pairs-file.js';
import { trainFlowCommand } from './train-flow-command.js';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'styleflow-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const toy: FlowDataSource = {
  dim: 3,
  condDim: 2,
  batch(n, rng) {
    const c = rng.normalArray(2 * n);
    const x = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) {
      x[3 * i] = c[2 * i]! + 0.3 * rng.normal();
      x[3 * i + 1] = -c[2 * i + 1]! + 0.3 * rng.normal();
      x[3 * i + 2] = 0.5 * rng.normal();
    }
    return { x: tf.tensor2d(x, [n, 3]), cond: tf.tensor2d(c, [n, 2]) };
  },
};
const SMALL = { hidden: [8], seed: 4 };
const TRAIN = { batchSize: 16, solverSteps: 2, lr: 5e-3, seed: 2 };

async function weights(path: string): Promise<Map<string, Float32Array>> {
  const c = await readFlowCheckpointFile(path);
  const out = new Map([...c.state].map(([k, v]) => [k, v.dataSync() as Float32Array]));
  disposeFlowCheckpoint(c);
  return out;
}

describe('trainFlowCommand: checkpoints and resume', () => {
  it('an interrupted run resumed from its checkpoint ends bit-identical to an uninterrupted one', async () => {
    const progress: number[] = [];
    const full = await trainFlowCommand({ data: toy, out: join(dir, 'full'), steps: 6, flow: SMALL, training: TRAIN, checkpointEvery: 0 });
    expect(full.step).toBe(6);
    const part = await trainFlowCommand({ data: toy, out: join(dir, 'part'), steps: 3, flow: SMALL, training: TRAIN, onProgress: (p) => progress.push(p.step) });
    expect(progress).toEqual([1, 2, 3]);
    const resumed = await trainFlowCommand({ data: toy, out: join(dir, 'part'), steps: 6, resume: true, checkpointEvery: 2, onProgress: (p) => progress.push(p.step) });
    expect(resumed.resumedFrom).toBe(join(dir, 'part', 'flow.safetensors'));
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    const a = await weights(full.checkpoint);
    const b = await weights(resumed.checkpoint);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, v] of a) expect(Array.from(b.get(k)!)).toEqual(Array.from(v));
    // Resuming a finished run trains nothing and keeps the last loss in the checkpoint and the result.
    const again = await trainFlowCommand({ data: toy, out: join(dir, 'part'), steps: 6, resume: true });
    expect(again.step).toBe(6);
    expect(again.lastLoss).toBe(resumed.lastLoss);
    expect(JSON.parse(await readFile(again.metadata, 'utf8')).training.lastLoss).toBe(resumed.lastLoss);
    const meta = JSON.parse(await readFile(resumed.metadata, 'utf8'));
    expect(meta.format).toBe('semstyle.styleflow.v1');
    expect(meta.training.step).toBe(6);
    expect(meta.config.hidden).toEqual([8]);
  });

  it('trains from a pairs file (W+ rows), loads for editing, writes before/after PNG strips', async () => {
    const g = createTestingGenerator({ seed: 1 });
    const n = 8;
    const z = g.sampleZ(n, 3);
    const w = g.map(z);
    const wp = g.toWPlus(w);
    const rng = new SeededRandom(1);
    const pairsPath = join(dir, 'pairs.safetensors');
    await writeFlowPairs(pairsPath, {
      latents: wp.tensor.dataSync() as Float32Array,
      attributes: rng.normalArray(n * 2),
      n,
      rows: wp.layout.nLatent,
      dim: g.config.styleDim,
      condDim: 2,
      attributeNames: ['smile', 'age'],
    });
    tf.dispose([z.tensor, w.tensor, wp.tensor]);
    const pairs = await readFlowPairs(pairsPath);
    expect(pairs.rows).toBe(g.layout.nLatent);
    const res = await trainFlowCommand({ data: pairsPath, out: join(dir, 'gen'), steps: 2, flow: { hidden: [8] }, training: { batchSize: 8, solverSteps: 1 } });
    const flow = await loadFlow(res.checkpoint);
    expect(flow.config.attributeNames).toEqual(['smile', 'age']);
    const warm = g.sampleWPlus(1, 0);
    tf.dispose([g.synthesize(warm, { noise: 'const' }), warm.tensor]); // warm the generator's caches
    const before = tf.memory().numTensors;
    const out = await flowEditCommand({
      generator: g,
      flow,
      seeds: [10, 11],
      attributes: tf.zeros([2, 2]) as tf.Tensor2D,
      edits: [{ changes: [{ attribute: 'smile', delta: 1 }], regions: ['region_1'] }, { changes: [{ attribute: 'age', value: 1 }] }],
      out: join(dir, 'strips'),
      solver: { method: 'rk4', steps: 2 },
    });
    expect(tf.memory().numTensors - before).toBe(1); // the attributes tensor given inline is the caller's
    expect(out.files.map((f) => f.split('/').pop())).toEqual(['strip-0.png', 'strip-1.png', 'strips.png']);
    const png = PNG.sync.read(Buffer.from(await readFile(out.files[0]!)));
    expect(png.width).toBe(3 * g.resolution + 2 * 2); // before + two edits, 2-pixel gaps
    expect(png.height).toBe(g.resolution);
    expect(out.slots[0]).toEqual([3, 4]);
    flow.dispose();
    g.dispose();
  });
});

describe('training step: leaks, memory, checkpoint bytes', () => {
  it('a training step leaks nothing; its peak memory is measured (grows with the RK4 step count)', async () => {
    const report: string[] = [];
    const peaks: Record<number, number> = {};
    for (const solverSteps of [2, 6]) {
      const flow = new StyleFlow({ dim: 32, condDim: 4, hidden: [64, 64], seed: 0 });
      const data: FlowDataSource = { dim: 32, condDim: 4, batch: (n, rng) => ({ x: tf.tensor2d(rng.normalArray(32 * n), [n, 32]), cond: tf.tensor2d(rng.normalArray(4 * n), [n, 4]) }) };
      const trainer = new FlowTrainer(flow, data, { batchSize: 64, solverSteps, trace: 'hutchinson' });
      trainer.trainStep(); // Adam state exists from here on
      const start = tf.memory().numBytes;
      const info = await tf.profile(() => {
        trainer.trainStep();
      });
      peaks[solverSteps] = info.peakBytes - start;
      report.push(`rk4×${solverSteps}: peak +${(peaks[solverSteps]! / 2 ** 20).toFixed(2)} MiB over ${(start / 2 ** 20).toFixed(2)} MiB resident, ${info.newTensors} new tensors`);
      expect(await leakedTensors(() => trainer.trainStep())).toBe(0);
      trainer.dispose();
      flow.dispose();
    }
    console.log(`[styleflow] one training step (dim 32, cond 4, hidden 64-64, batch 64, Hutchinson): ${report.join('; ')}`);
    expect(peaks[6]!).toBeGreaterThan(peaks[2]!);
    expect(peaks[6]!).toBeLessThan(64 * 2 ** 20);
  });

  it('exact-trace training, checkpoint bytes round trip, and the trainer leak nothing', async () => {
    const flow = new StyleFlow({ dim: 3, condDim: 2, ...SMALL });
    const trainer = new FlowTrainer(flow, toy, { ...TRAIN, trace: 'exact' });
    trainer.trainStep(); // creates the Adam moments (2 per parameter), kept by the trainer
    expect(await leakedTensors(() => trainer.trainStep())).toBe(0);
    expect(await leakedTensors(() => {
      const { bytes } = flowCheckpointBytes(flow, trainer);
      const c = readFlowCheckpoint(bytes);
      expect(c.adam.size).toBe(flow.parameters().size);
      disposeFlowCheckpoint(c);
    })).toBe(0);
    trainer.dispose();
    flow.dispose();
    expect(() => new FlowTrainer(new StyleFlow({ dim: 4, condDim: 2, hidden: [2] }), toy)).toThrow(/dim, condDim/);
  });
});
