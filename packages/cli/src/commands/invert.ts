import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { initBackend, InputError, type BackendName } from '@semstyle/core';
import { loadGenerator } from '@semstyle/core/node';
import { defaultEncoderPath, hasDefaultEncoder, invertCommand, loadEncoder, saveEncoderWeights, trainEncoderCommand } from '@semstyle/inversion/node';
import type { EncoderPresetName } from '@semstyle/inversion';

export const INVERT_HELP = `  semstyle invert IMAGE…|DIR [--checkpoint FILE] --out DIR [--method optimize|restyle] [--encoder DIR]
                    [--iterations 5] [--steps 400] [--mode w|w+] [--pivotal] [--regions a,b]     real image → W+
                    (--method restyle without --checkpoint: the default model's embedded encoder unless --encoder)
  semstyle train-encoder [--checkpoint FILE] --out DIR --steps N [--data DIR [--generated-fraction F]] [--preset tiny|small|ir-se50]
                    [--head-channels C] [--batch 4] [--iterations 5] [--lr 1e-4] [--checkpoint-every N]
                    [--export FILE]   (inference-only weights, no optimiser state: the file to ship)`;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export async function runInvert(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      checkpoint: { type: 'string' },
      out: { type: 'string' },
      method: { type: 'string' },
      encoder: { type: 'string' },
      iterations: { type: 'string' },
      steps: { type: 'string' },
      mode: { type: 'string' },
      pivotal: { type: 'boolean' },
      regions: { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  if (!values.out || positionals.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'invert needs images (files or one folder) and --out DIR.');
  const method = (values.method ?? 'optimize') as 'optimize' | 'restyle';
  if (method !== 'optimize' && method !== 'restyle') throw new InputError('E_INVALID_ARGUMENT', `--method must be optimize or restyle (got ${method}).`);
  // Without --checkpoint the generator is the embedded default model, whose encoder ships with @semstyle/inversion.
  const encoderPath = values.encoder ?? (method === 'restyle' && !values.checkpoint && hasDefaultEncoder() ? defaultEncoderPath() : undefined);
  if (method === 'restyle' && !encoderPath) {
    throw new InputError('E_INVALID_ARGUMENT', 'restyle inversion of a --checkpoint model needs --encoder DIR (train one with `semstyle train-encoder`).');
  }
  await initBackend((values.backend ?? 'wasm') as BackendName);
  const generator = await loadGenerator(values.checkpoint);
  try {
    const result = await invertCommand({
      generator,
      // One folder, or image files (a single file too).
      images: positionals.length === 1 && isDirectory(positionals[0]!) ? positionals[0]! : positionals,
      outDir: values.out,
      method,
      ...(encoderPath ? { encoder: encoderPath } : {}),
      ...(values.iterations ? { iterations: Number(values.iterations) } : {}),
      ...(values.steps ? { steps: Number(values.steps) } : {}),
      ...(values.mode ? { mode: values.mode as 'w' | 'w+' } : {}),
      ...(values.pivotal ? { pivotal: true } : {}),
      ...(values.regions ? { regions: values.regions.split(',').map((s) => s.trim()) } : {}),
      log: (line) => console.log(line),
    });
    console.log(JSON.stringify(result));
  } finally {
    generator.dispose();
  }
}

export async function runTrainEncoder(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      checkpoint: { type: 'string' },
      out: { type: 'string' },
      steps: { type: 'string' },
      data: { type: 'string' },
      preset: { type: 'string' },
      seed: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      'generated-fraction': { type: 'string' },
      'head-channels': { type: 'string' },
      batch: { type: 'string' },
      iterations: { type: 'string' },
      lr: { type: 'string' },
      export: { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  if (!values.out || !values.steps) throw new InputError('E_INVALID_ARGUMENT', 'train-encoder needs --out DIR and --steps N.');
  if (values['generated-fraction'] && !values.data) throw new InputError('E_INVALID_ARGUMENT', '--generated-fraction mixes generated images into --data DIR; give --data.');
  const training = {
    ...(values.batch ? { batchSize: Number(values.batch) } : {}),
    ...(values.iterations ? { iterations: Number(values.iterations) } : {}),
    ...(values.lr ? { lr: Number(values.lr) } : {}),
  };
  const encoder = {
    ...(values.preset ? { preset: values.preset as EncoderPresetName } : {}),
    ...(values['head-channels'] ? { headChannels: Number(values['head-channels']) } : {}),
  };
  await initBackend((values.backend ?? 'wasm') as BackendName);
  const generator = await loadGenerator(values.checkpoint);
  try {
    const result = await trainEncoderCommand({
      generator,
      outDir: values.out,
      steps: Number(values.steps),
      ...(values.data
        ? { data: { folder: values.data, ...(values['generated-fraction'] ? { generatedFraction: Number(values['generated-fraction']) } : {}) } }
        : {}),
      encoder,
      training,
      ...(values.seed ? { seed: Number(values.seed) } : {}),
      ...(values['checkpoint-every'] ? { checkpointEvery: Number(values['checkpoint-every']) } : {}),
      log: (line) => console.log(line),
    });
    if (values.export) {
      const enc = await loadEncoder(result.checkpoint, generator);
      try {
        await saveEncoderWeights(values.export, enc, { step: result.step });
      } finally {
        enc.dispose();
      }
      console.log(`Wrote ${values.export} (inference weights)`);
    }
    const { history, ...summary } = result;
    console.log(JSON.stringify({ ...summary, historyLength: history.length }));
  } finally {
    generator.dispose();
  }
}
