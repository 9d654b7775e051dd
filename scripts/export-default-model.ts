/**
 * Export a training checkpoint as the embedded default model, measured, with its model card.
 *
 *   npx tsx scripts/export-default-model.ts --checkpoint runs/default64/checkpoints/NNNNNN.safetensors \
 *     --real data/faces64-heldout/images [--num 1000] [--run runs/default64] [--threads 2]
 *
 * Writes packages/core/models/default/ (native model: model.json + weights, G_ema only), its card.json and
 * README.md (the model card), replacing the previous default only once everything succeeded.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { configToOfficialArgs, initBackend } from '@semstyle/core';
import { loadGenerator } from '@semstyle/core/node';
import { convertCommand, evaluateFaceModel } from '@semstyle/cli';
import { listPngs } from '../packages/cli/src/image-folder.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET = join(ROOT, 'packages/core/models/default');

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    real: { type: 'string', default: 'data/faces64-heldout/images' },
    num: { type: 'string', default: '1000' },
    run: { type: 'string' },
    threads: { type: 'string', default: '2' },
    data: { type: 'string', default: 'data/faces64' },
  },
});
if (!values.checkpoint) throw new Error('--checkpoint is required');
const checkpoint = values.checkpoint;
const runDir = values.run ?? join(checkpoint, '..', '..');
const num = Number(values.num);

interface LogLine {
  step: number;
  secondsPerStep?: number;
  imagesPerSecond?: number;
  d: number;
  g: number;
}

/** Steps, images and wall time of the run up to the checkpoint's step, from its log.jsonl. */
function trainingSummary(step: number): { steps: number; wallHours: number; batch: number | null; lastLosses: LogLine | null } {
  const file = join(runDir, 'log.jsonl');
  if (!existsSync(file)) return { steps: step, wallHours: NaN, batch: null, lastLosses: null };
  const byStep = new Map<number, LogLine>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const parsed = JSON.parse(line) as LogLine;
    if (parsed.step <= step) byStep.set(parsed.step, parsed); // a resumed run re-logs steps: keep the last
  }
  let seconds = 0;
  let batch: number | null = null;
  for (const l of byStep.values()) {
    seconds += l.secondsPerStep ?? 0;
    if (l.imagesPerSecond && l.secondsPerStep) batch = Math.round(l.imagesPerSecond * l.secondsPerStep);
  }
  return { steps: step, wallHours: seconds / 3600, batch, lastLosses: byStep.get(step) ?? null };
}

await initBackend('wasm', { threads: Number(values.threads) });
const step = Number(basename(checkpoint).replace(/\.safetensors$/, ''));
const staging = `${TARGET}.staging-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
const converted = await convertCommand({ input: checkpoint, output: staging, verify: true, discriminator: false, log: (l) => console.log(l) });
if (!converted.verify?.identical) throw new Error('conversion did not verify as identical');

const generator = await loadGenerator(staging);
const realFiles = await listPngs(values.real!);
const evaluation = await evaluateFaceModel({
  generator,
  realFiles,
  num,
  onProgress: (stage, done, total) => process.stderr.write(`\r${stage} ${done}/${total}   `),
});
process.stderr.write('\n');
const truncated = await evaluateFaceModel({ generator, realFiles, num, truncation: 0.7 });
const parameters = generator.params.parameterCount();
const config = configToOfficialArgs({ generator: generator.config } as Parameters<typeof configToOfficialArgs>[0]);
generator.dispose();

const bytes = readdirSync(staging).reduce((s, f) => s + statSync(join(staging, f)).size, 0);
const training = trainingSummary(step);
const dataset = JSON.parse(readFileSync(join(values.data!, 'dataset.json'), 'utf8')) as { n: number; size: number; seed: number };
const heldout = existsSync(join(values.real!, '..', 'dataset.json'))
  ? (JSON.parse(readFileSync(join(values.real!, '..', 'dataset.json'), 'utf8')) as { n: number; seed: number })
  : null;
const card = {
  model: 'semstyle default64',
  step,
  checkpoint: basename(checkpoint),
  config,
  parameters,
  sizeBytes: bytes,
  data: { folder: values.data, n: dataset.n, size: dataset.size, seed: dataset.seed },
  heldout: heldout ? { folder: values.real, n: heldout.n, seed: heldout.seed } : { folder: values.real },
  training,
  evaluation,
  evaluationTruncation07: truncated,
};
writeFileSync(join(staging, 'card.json'), `${JSON.stringify(card, null, 2)}\n`);
console.log(JSON.stringify({ step, fid: evaluation.fid, fidFloor: evaluation.fidFloor, kid: evaluation.kid, maskMeanIoU: evaluation.maskMeanIoU, fid07: truncated.fid, bytes }));

// Swap in atomically-enough: the old default is moved aside, the new one renamed into place, the old removed.
const previous = `${TARGET}.previous-${process.pid}`;
if (existsSync(TARGET)) renameSync(TARGET, previous);
renameSync(staging, TARGET);
rmSync(previous, { recursive: true, force: true });
console.log(`default model now ${TARGET} (step ${step}); write its README.md model card from card.json`);
