import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import {
  configFromOfficialArgs,
  ConfigError,
  defaultWasmThreads,
  initBackend,
  InputError,
  presetConfig,
  PRESET_NAMES,
  type BackendName,
  type ModelConfig,
} from '@semstyle/core';
import { Trainer } from '@semstyle/core/node';
import { FolderDataset } from '@semstyle/datasets';

export const TRAIN_HELP = `  semstyle train --data DIR --config PRESET|file.json --batch N --steps N --out DIR [--resume CKPT]
                 [--sample-every N] [--checkpoint-every N] [--seed S] [--ema-rampup R] [--adaptation] [--backend wasm|cpu] [--threads N]
                 [--r1-img G] [--r1-seg G] [--lambda-mask L]   (official 10 / 1000 / 100; on resume a given value replaces the checkpoint's)`;

function positiveInt(name: string, raw: string | undefined, fallback: number, allowZero = false): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < (allowZero ? 0 : 1)) throw new InputError('E_INVALID_ARGUMENT', `--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer (got ${raw}).`);
  return v;
}

function nonNegativeNumber(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < 0) throw new InputError('E_INVALID_ARGUMENT', `--${name} must be a non-negative number (got ${raw}).`);
  return v;
}

async function loadConfig(spec: string): Promise<ModelConfig> {
  if ((PRESET_NAMES as string[]).includes(spec)) return presetConfig(spec);
  if (!spec.endsWith('.json')) return presetConfig(spec); // throws E_UNKNOWN_NAME listing the presets
  let raw: string;
  try {
    raw = await readFile(spec, 'utf8');
  } catch (cause) {
    throw new ConfigError('E_CONFIG', `Cannot read config file ${spec}: ${(cause as Error).message}`, { cause });
  }
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  // Official args (snake_case), optionally under "model" (the checkpoint metadata layout).
  return configFromOfficialArgs((typeof parsed['model'] === 'object' && parsed['model'] !== null ? parsed['model'] : parsed) as Record<string, unknown>);
}

/** `semstyle train …`: train (or resume) on a folder of image/label pairs, with a progress bar. */
export async function runTrain(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      config: { type: 'string' },
      batch: { type: 'string' },
      steps: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'string' },
      'sample-every': { type: 'string' },
      'checkpoint-every': { type: 'string' },
      seed: { type: 'string' },
      'ema-rampup': { type: 'string' },
      adaptation: { type: 'boolean' },
      'freeze-local': { type: 'boolean' },
      flip: { type: 'boolean' },
      aug: { type: 'boolean' },
      'skip-bad-files': { type: 'boolean' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      'r1-img': { type: 'string' },
      'r1-seg': { type: 'string' },
      'lambda-mask': { type: 'string' },
    },
    strict: true,
  });
  if (!values.data) throw new InputError('E_INVALID_ARGUMENT', 'train needs --data DIR (images/ and labels/ inside).');
  if (!values.out) throw new InputError('E_INVALID_ARGUMENT', 'train needs --out DIR.');
  if (!values.config && !values.resume) throw new InputError('E_INVALID_ARGUMENT', 'train needs --config PRESET|file.json (or --resume CKPT).');
  const steps = positiveInt('steps', values.steps, 200_001);
  const batch = positiveInt('batch', values.batch, 4);
  const sampleEvery = positiveInt('sample-every', values['sample-every'], 2000, true);
  const checkpointEvery = positiveInt('checkpoint-every', values['checkpoint-every'], 10_000, true);
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new InputError('E_INVALID_ARGUMENT', `--seed must be an integer (got ${values.seed}).`);
  const r1Img = nonNegativeNumber('r1-img', values['r1-img']);
  const r1Seg = nonNegativeNumber('r1-seg', values['r1-seg']);
  const lambdaMask = nonNegativeNumber('lambda-mask', values['lambda-mask']);
  const backendName = (values.backend ?? 'wasm') as BackendName;
  if (!['wasm', 'cpu'].includes(backendName)) throw new InputError('E_INVALID_ARGUMENT', `--backend must be wasm or cpu (got ${values.backend}).`);
  const threads = positiveInt('threads', values.threads, await defaultWasmThreads());
  const backend = await initBackend(backendName, backendName === 'wasm' ? { threads } : {});

  const config = values.config ? await loadConfig(values.config) : undefined;
  const resolution = config?.generator.size;
  const segDim = config?.generator.segDim;
  // On resume without --config the checkpoint decides; the data source is opened after reading it.
  const openData = (r: number, k: number) =>
    FolderDataset.open(values.data!, {
      resolution: r,
      segDim: k,
      flip: values.flip === true || values.aug === true,
      shiftScaleRotate: values.aug === true,
      onBadFile: values['skip-bad-files'] ? 'skip' : 'error',
      report: (path, reason) => process.stderr.write(`\nskipping bad file ${path}: ${reason}\n`),
    });
  const emaRampup = values['ema-rampup'] === undefined ? undefined : Number(values['ema-rampup']);
  if (emaRampup !== undefined && !(emaRampup > 0)) throw new InputError('E_INVALID_ARGUMENT', `--ema-rampup must be a positive number, e.g. 0.05 (got ${values['ema-rampup']}).`);
  const options = {
    batchSize: batch,
    ...(r1Img !== undefined ? { r1Img } : {}),
    ...(r1Seg !== undefined ? { r1Seg } : {}),
    ...(lambdaMask !== undefined ? { lambdaMask } : {}),
    ...(emaRampup !== undefined ? { emaRampup } : {}),
    sampleEvery,
    checkpointEvery,
    ...(values.adaptation ? { adaptation: true } : {}),
    ...(values['freeze-local'] ? { freezeLocal: true } : {}),
  };
  let trainer: Trainer;
  if (values.resume) {
    const probe = config ?? (await import('@semstyle/core')).configFromOfficialArgs(await checkpointArgs(values.resume));
    const data = await openData(probe.generator.size, probe.generator.segDim);
    trainer = await Trainer.resume(values.resume, data, { ...(config ? { config } : {}), options, outDir: values.out });
  } else {
    const data = await openData(resolution!, segDim!);
    trainer = new Trainer({ config: config!, data, options, outDir: values.out, seed });
  }

  const hint = r1ResolutionHint(trainer.config.generator.size, trainer.options.r1Seg, trainer.options.adaptation);
  if (hint) process.stderr.write(`${hint}\n`);

  const bar = new cliProgress.SingleBar(
    {
      format: 'train [{bar}] {value}/{total} | d {d} g {g} r1 {r1} path {path} mask {mask} | {ips} img/s | eta {eta_formatted}',
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));
  const payload = { d: '-', g: '-', r1: '-', path: '-', mask: '-', ips: '-' };
  bar.start(steps, trainer.currentStep, payload);
  const started = performance.now();
  const startStep = trainer.currentStep;
  try {
    await trainer.train({
      untilStep: steps,
      onProgress: (p) => {
        const r = p.result;
        const elapsed = (performance.now() - started) / 1000;
        bar.update(p.step, {
          d: fmt(r.d),
          g: fmt(r.g),
          r1: `${fmt(r.r1Img)}/${fmt(r.r1Seg)}`,
          path: fmt(r.path),
          mask: fmt(r.mask),
          ips: (((p.step - startStep) * batch) / Math.max(elapsed, 1e-9)).toFixed(2),
        });
        if (r.metrics) process.stderr.write(`\nstep ${p.step}: ${JSON.stringify(r.metrics)}\n`);
      },
    });
    bar.stop();
    const last = await trainer.saveCheckpoint();
    console.log(`trained to step ${trainer.currentStep} on ${backend}; checkpoint ${last}`);
  } finally {
    bar.stop();
    trainer.dispose();
  }
}

/**
 * The official γ_seg (1000) was tuned at 256²+. R1 sums over pixels, so below 256² it weighs
 * (256/size)² times more per region; at 64² it left D's segmentation branch blind to small regions
 * (packages/core/docs/training.md). Say so when a run below 256² keeps the official value.
 */
export function r1ResolutionHint(size: number, r1Seg: number, adaptation: boolean): string | undefined {
  if (adaptation || size >= 256 || r1Seg !== 1000) return undefined;
  const scaled = 1000 * (size / 256) ** 2;
  return `note: at ${size}² the official --r1-seg 1000 weighs ${(256 / size) ** 2}× more per region than at 256²; consider --r1-seg ${scaled} (= 1000·(${size}/256)², see @semstyle/core docs/training.md).`;
}

async function checkpointArgs(path: string): Promise<Record<string, unknown>> {
  const { readSafetensors } = await import('@semstyle/core');
  const { readFileBytes } = await import('@semstyle/core/node');
  const file = readSafetensors(await readFileBytes(path));
  const raw = file.metadata['config'];
  if (raw === undefined) throw new ConfigError('E_CONFIG', `${path} has no "config" metadata.`);
  return JSON.parse(raw) as Record<string, unknown>;
}
