#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { defaultWasmThreads, explainBackendCrash, initBackend, SemstyleError, type BackendName, type NoiseMode } from '@semstyle/core';
import { loadGenerator } from '@semstyle/core/node';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultModelPath, hasDefaultModel } from '@semstyle/core/node';
import { demoCommand } from './commands/demo.js';
import { convertCommand, type ConvertGenerators } from './commands/convert.js';
import { generateCommand } from './commands/generate.js';
import { runMetrics } from './commands/metrics.js';
import { DATASET_HELP, runDataset } from './commands/dataset.js';
import { EDIT_HELP, runEdit } from './commands/edit.js';
import { TRAIN_FLOW_HELP, runTrainFlow } from './commands/train-flow.js';
import { FLOW_EDIT_HELP, runFlowEdit } from './commands/flow-edit.js';
import { INVERT_HELP, runInvert, runTrainEncoder } from './commands/invert.js';
import { EVALUATE_HELP, runEvaluate } from './commands/evaluate.js';
import { runTrain } from './commands/train.js';
import { parseSeeds } from './seeds.js';

const HELP = `semstyle — SemanticStyleGAN from the command line

Usage:
  semstyle generate [--checkpoint FILE] [--seeds 0-7 | --latents in.safetensors] [--truncation PSI]
                    [--noise const|random|none] --out DIR [--tensors out.safetensors] [--batch N]
  semstyle demo [--checkpoint FILE] [--out DIR] [--region NAME]
                    a grid of faces with masks and depth, a region swap and a component build-up
  semstyle convert IN OUT [--verify] [--generator g_ema|g|all] [--no-discriminator] [--samples N]
                    IN: .pt, .safetensors or a native model directory; OUT: .safetensors, or a
                    directory (ending in / or without extension) for the native tfjs format
  semstyle metrics --list
  semstyle metrics [--checkpoint FILE] --metric NAME[,NAME…] [--real DIR] [--num N] [--results out.jsonl] [--cache DIR]
  semstyle train --data DIR --config PRESET|file.json --batch N --steps N --out DIR [--resume CKPT]
                    [--sample-every N] [--checkpoint-every N] [--seed S] [--ema-rampup R] [--flip] [--aug]
                    [--r1-img G] [--r1-seg G] [--lambda-mask L] [--adaptation [--freeze-local]]
                    [--skip-bad-files] [--backend wasm|cpu]
${DATASET_HELP}
${EDIT_HELP}
${TRAIN_FLOW_HELP}
${FLOW_EDIT_HELP}
${INVERT_HELP}
${EVALUATE_HELP}
  semstyle help

Common options:
  --backend auto|wasm|cpu   tensor backend (default: wasm in Node)
  --threads N               wasm threads for generate / demo / train / evaluate (default: SEMSTYLE_WASM_THREADS, else every core up to 4; 1 = the single-threaded build)

Checkpoints: an official SemanticStyleGAN .pt file (read safely, nothing executed) or a safetensors file
with the model config in its metadata. Without --checkpoint the embedded default model is used.
`;

/** `--backend` and `--threads` (wasm threads; 2 uses both cores of a 2-core machine). */
async function startBackend(values: { backend?: string; threads?: string }): Promise<string> {
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) fail(`--threads must be a positive integer (got ${values.threads})`);
  const backend = (values.backend ?? 'wasm') as BackendName;
  return initBackend(backend, backend === 'wasm' ? { threads: threads ?? (await defaultWasmThreads()) } : {});
}

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
      threads: { type: 'string' },
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
  const backend = await startBackend(values);
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

/** The parity fixture beside the project root (CI and developers have it); used by the demo when no default model is embedded. */
const PARITY_FIXTURE = fileURLToPath(new URL('../../../../shared/fixtures/official-parity/small/weights.safetensors', import.meta.url));

async function runDemo(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { checkpoint: { type: 'string' }, out: { type: 'string' }, region: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' } },
    strict: true,
  });
  const outDir = values.out ?? 'out';
  const backend = await startBackend(values);
  let checkpoint = values.checkpoint;
  if (checkpoint === undefined && !hasDefaultModel()) {
    if (!existsSync(PARITY_FIXTURE)) {
      fail(`no embedded default model in this build and no --checkpoint given (looked for ${defaultModelPath()})`);
    }
    checkpoint = PARITY_FIXTURE;
    console.log(`note: no embedded default model in this build yet; using the official-parity checkpoint (random, untrained weights: the pictures show the pipeline, not faces): ${checkpoint}`);
  }
  const generator = await loadGenerator(checkpoint);
  try {
    const started = performance.now();
    const result = await demoCommand({
      generator,
      outDir,
      ...(values.region ? { swapRegion: values.region } : {}),
      log: (line) => console.log(line),
    });
    console.log(`demo done on ${backend} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${result.grid}, ${result.swap}, ${result.buildUp}`);
  } finally {
    generator.dispose();
  }
}

async function runConvert(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      verify: { type: 'boolean' },
      generator: { type: 'string' },
      'no-discriminator': { type: 'boolean' },
      samples: { type: 'string' },
      backend: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 2) fail('convert needs IN and OUT, e.g. semstyle convert model.pt model/ --verify');
  const [input, output] = positionals as [string, string];
  const generator = (values.generator ?? 'g_ema') as ConvertGenerators;
  if (!['g_ema', 'g', 'all'].includes(generator)) fail(`--generator must be g_ema, g or all (got ${values.generator})`);
  const samples = values.samples === undefined ? 4 : Number(values.samples);
  if (!Number.isInteger(samples) || samples <= 0) fail(`--samples must be a positive integer (got ${values.samples})`);
  const backend = await startBackend(values);
  const started = performance.now();
  const result = await convertCommand({
    input,
    output,
    verify: values.verify ?? false,
    generatorWeights: generator,
    discriminator: !values['no-discriminator'],
    samples,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(
    `converted ${input} (${result.inputFormat}) → ${output} (${result.outputFormat}): ${result.modules.join(', ')}, ${result.tensors} tensors, on ${backend} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  if (result.verify) {
    console.log(`verify: max abs difference ${result.verify.maxAbsDiff}; ${result.verify.tensorsDiffering} of ${result.verify.tensors} tensors differ`);
    if (!result.verify.identical) {
      process.stderr.write('semstyle: verify FAILED: the output does not reproduce the input exactly\n');
      process.exitCode = 1;
    }
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'generate':
      return runGenerate(rest);
    case 'convert':
      return runConvert(rest);
    case 'demo':
      return runDemo(rest);
    case 'metrics':
      return runMetrics(rest);
    case 'dataset':
      return runDataset(rest);
    case 'edit':
      return runEdit(rest);
    case 'train-flow':
      return runTrainFlow(rest);
    case 'flow-edit':
      return runFlowEdit(rest);
    case 'invert':
      return runInvert(rest);
    case 'train-encoder':
      return runTrainEncoder(rest);
    case 'train':
      return runTrain(rest);
    case 'evaluate':
      return runEvaluate(rest);
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

main().catch((thrown: unknown) => {
  const error = explainBackendCrash(thrown, `semstyle ${process.argv[2] ?? ''}`.trim(), {
    hint: 'use a smaller --batch or fewer samples at once',
  });
  if (SemstyleError.isInstance(error)) {
    process.stderr.write(`semstyle: error [${error.code}]: ${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) fail(error.message);
  throw error;
});
