#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { initBackend, SemstyleError, type BackendName, type NoiseMode } from '@semstyle/core';
import { loadGenerator } from '@semstyle/core/node';
import { generateCommand } from './commands/generate.js';
import { parseSeeds } from './seeds.js';

const HELP = `semstyle — SemanticStyleGAN from the command line

Usage:
  semstyle generate [--checkpoint FILE] [--seeds 0-7 | --latents in.safetensors] [--truncation PSI]
                    [--noise const|random|none] --out DIR [--tensors out.safetensors] [--batch N]
  semstyle help

Common options:
  --backend auto|wasm|cpu   tensor backend (default: wasm in Node)

Checkpoints: an official SemanticStyleGAN .pt file (read safely, nothing executed) or a safetensors file
with the model config in its metadata. Without --checkpoint the embedded default model is used.
`;

function fail(message: string): never {
  process.stderr.write(`semstyle: ${message}\n`);
  process.exit(2);
}

async function runGenerate(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      checkpoint: { type: 'string' },
      seeds: { type: 'string' },
      latents: { type: 'string' },
      truncation: { type: 'string' },
      noise: { type: 'string' },
      out: { type: 'string' },
      tensors: { type: 'string' },
      batch: { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  if (!values.out) fail('generate needs --out DIR');
  if (values.seeds && values.latents) fail('give either --seeds or --latents, not both');
  const noise = (values.noise ?? 'const') as NoiseMode;
  if (!['const', 'random', 'none'].includes(noise)) fail(`--noise must be const, random or none (got ${values.noise})`);
  const truncation = values.truncation === undefined ? 1 : Number(values.truncation);
  if (!Number.isFinite(truncation)) fail(`--truncation must be a number (got ${values.truncation})`);
  const batch = values.batch === undefined ? 4 : Number(values.batch);
  if (!Number.isInteger(batch) || batch <= 0) fail(`--batch must be a positive integer (got ${values.batch})`);
  const backend = await initBackend((values.backend ?? 'wasm') as BackendName);
  const generator = await loadGenerator(values.checkpoint);
  try {
    const started = performance.now();
    const result = await generateCommand({
      generator,
      ...(values.latents ? { latentsFile: values.latents } : { seeds: parseSeeds(values.seeds ?? '0-3') }),
      truncation,
      noise,
      outDir: values.out,
      ...(values.tensors ? { tensorsFile: values.tensors } : {}),
      batchSize: batch,
      log: (line) => process.stderr.write(`\r${line}`),
    });
    process.stderr.write('\n');
    console.log(`wrote ${result.count} sample(s) (${result.files.length} files) to ${values.out} on ${backend} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    generator.dispose();
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'generate':
      return runGenerate(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return;
    default:
      fail(`unknown command "${command}"\n\n${HELP}`);
  }
}

main().catch((error: unknown) => {
  if (SemstyleError.isInstance(error)) {
    process.stderr.write(`semstyle: error [${error.code}]: ${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) fail(error.message);
  throw error;
});
