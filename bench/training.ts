/**
 * Training-iteration benchmarks: one full iteration (D step + G step), part by part, for the `tiny`
 * preset (batch 4), the performance issue's config "A" (64 px, K 13, batch 8) and the default 64 px model's
 * config (`default64`: latent 128, local 16, coarse 32, render 64/32 channels; batch 8 on 2 wasm threads,
 * as it is trained). Every step runs R1 and path length here (d_reg_every = g_reg_every = 1) so each part is
 * timed on each run; the amortised iteration is D + G + EMA + R1/16 + PL/4 (the official cadence).
 * Reference: official PyTorch on this machine.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { configFromOfficialArgs, initBackend, presetConfig, syntheticDataSource, type ModelConfig } from '@semstyle/core';
import { Trainer, type StepResult } from '@semstyle/core/node';
import { peakRssMib, type BenchMeasure, type BenchRecord } from './record.js';

const CONFIG_A_ARGS = {
  size: 64,
  seg_dim: 13,
  latent: 256,
  n_mlp: 4,
  local_channel: 32,
  coarse_channel: 64,
  coarse_size: 32,
  min_feat_size: 16,
  channels: { 4: 128, 8: 128, 16: 128, 32: 128, 64: 64 },
  transparent_dims: [10, 12],
  residual_refine: true,
};

/** The default 64 px model (models/default64.config.json). */
const CONFIG_DEFAULT64_ARGS = {
  size: 64,
  seg_dim: 13,
  latent: 128,
  n_mlp: 4,
  local_channel: 16,
  coarse_channel: 32,
  coarse_size: 32,
  min_feat_size: 16,
  channels: { 4: 64, 8: 64, 16: 64, 32: 64, 64: 32 },
  transparent_dims: [10, 12],
  residual_refine: true,
};

/** The same model at 128² with a 64² coarse grid: the smallest size at which a mouth covers as many coarse
 *  pixels as at the official 256² (coarse 64²); see packages/core/docs/training.md, "Regions that die early". */
const CONFIG_DEFAULT128_ARGS = { ...CONFIG_DEFAULT64_ARGS, size: 128, coarse_size: 64, channels: { ...CONFIG_DEFAULT64_ARGS.channels, 128: 16 } };

const REFERENCE_A = { dStep: 2600, gStep: 2100, r1: 2500, path: 1700, amortised: 5200 };

function median(values: number[]): { median: number; min: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  const r = (v: number) => Math.round(v * 10) / 10;
  return { median: r(s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2), min: r(s[0]!), max: r(s[s.length - 1]!) };
}

/** Run `body` on `threads` wasm threads, then back to the previous count (skipped off wasm: returns []). */
async function withThreads(threads: number | undefined, body: () => Promise<BenchRecord[]>): Promise<BenchRecord[]> {
  if (threads === undefined) return body();
  if (tf.getBackend() !== 'wasm') return [];
  const previous = getThreadsCount();
  await initBackend('wasm', { threads });
  try {
    return await body();
  } finally {
    await initBackend('wasm', { threads: previous });
  }
}

async function measureTraining(label: string, config: ModelConfig, batch: number, runs: number, reference?: typeof REFERENCE_A): Promise<BenchRecord[]> {
  const g = config.generator;
  const data = syntheticDataSource({ size: 64, resolution: g.size, segDim: g.segDim });
  const trainer = new Trainer({ config, data, options: { batchSize: batch, dRegEvery: 1, gRegEvery: 1 }, seed: 1 });
  const results: StepResult[] = [];
  try {
    await trainer.step(); // warm-up (creates optimiser state, compiles nothing but allocates)
    for (let i = 0; i < runs; i++) results.push(await trainer.step());
  } finally {
    trainer.dispose();
  }
  const parts = {
    dStep: results.map((r) => r.timings.dStep),
    gStep: results.map((r) => r.timings.gStep),
    r1: results.map((r) => r.timings.r1),
    path: results.map((r) => r.timings.path),
    ema: results.map((r) => r.timings.ema),
    amortised: results.map((r) => r.timings.dStep + r.timings.gStep + r.timings.ema + r.timings.r1 / 16 + r.timings.path / 4),
  };
  const names: Record<keyof typeof parts, string> = {
    dStep: 'D step',
    gStep: 'G step',
    r1: 'R1 block',
    path: 'path-length block',
    ema: 'G_ema update',
    amortised: 'amortised iteration (D + G + EMA + R1/16 + PL/4)',
  };
  return (Object.keys(parts) as (keyof typeof parts)[]).map((key) => {
    const m = median(parts[key]);
    const ref = key === 'ema' ? undefined : reference?.[key];
    return {
      name: `training ${names[key]}`,
      backend: tf.getBackend(),
      config: label,
      batch,
      median_ms: m.median,
      min_ms: m.min,
      max_ms: m.max,
      runs,
      peak_rss_mib: peakRssMib(),
      ...(ref !== undefined ? { reference_ms: ref, ratio_to_reference: Math.round((m.median / ref) * 100) / 100 } : {}),
      ...(key === 'path' ? { note: `path batch ${Math.max(1, batch >> 1)}` } : {}),
    };
  });
}

export const trainingMeasures: BenchMeasure[] = [
  { name: 'training tiny', run: () => measureTraining('tiny', presetConfig('tiny'), 4, 5) },
  // Batch 4: the training issue's measure (the config a default model would be trained with).
  { name: 'training config-A/b4', run: () => measureTraining('A (64px K13)', configFromOfficialArgs(CONFIG_A_ARGS), 4, 3) },
  // Batch 8: the performance issue's measure, against official PyTorch on the same CPU.
  { name: 'training config-A/b8', run: () => measureTraining('A (64px K13)', configFromOfficialArgs(CONFIG_A_ARGS), 8, 3, REFERENCE_A) },
  // The same on 2 wasm threads: the official figure is PyTorch on 2 threads.
  { name: 'training config-A/b8/t2', run: () => withThreads(2, () => measureTraining('A (64px K13)', configFromOfficialArgs(CONFIG_A_ARGS), 8, 3, REFERENCE_A)) },
  // The default 64 px model as it is trained (`semstyle train --batch 8 --threads 2`).
  { name: 'training default64/b8/t2', run: () => withThreads(2, () => measureTraining('default64 (64px K13, latent 128)', configFromOfficialArgs(CONFIG_DEFAULT64_ARGS), 8, 3)) },
  // Its 128² / coarse 64² variant, the candidate for regions too small for a 32² coarse grid. Batch 4: at
  // batch 8 one iteration (with R1 and path length) needs more than the 4 GiB a wasm heap can address.
  { name: 'training default128/b4/t2', run: () => withThreads(2, () => measureTraining('default128 (128px, coarse 64, K13, latent 128)', configFromOfficialArgs(CONFIG_DEFAULT128_ARGS), 4, 3)) },
];
