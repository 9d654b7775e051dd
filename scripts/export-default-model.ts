/**
 * Export a training checkpoint as the embedded default model, measured, with its model card.
 *
 *   npx tsx scripts/export-default-model.ts --checkpoint runs/default64/checkpoints/NNNNNN.safetensors \
 *     --real data/faces64-heldout/images [--num 1000] [--run runs/default64[,runs/fork…]] [--threads 2]
 *
 * --run lists the run folders the checkpoint's history went through, oldest first (a run resumed into a new
 * folder, e.g. with other loss weights): wall time sums their logs, and the card lists each part's recipe.
 *
 * Writes packages/core/models/default/ (native model: model.json + weights, G_ema only), its card.json and
 * README.md (the model card), replacing the previous default only once everything succeeded.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { configToOfficialArgs, initBackend } from '@semstyle/core';
import { loadGenerator } from '@semstyle/core/node';
import { convertCommand, evaluateFaceModel } from '@semstyle/cli';
import { listPngs } from '../packages/cli/src/image-folder.js';
import { modelCard, type ModelCardData } from './default-model/model-card.js';
import { runHistory } from './default-model/run-history.js';

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
const runDirs = (values.run ?? join(checkpoint, '..', '..')).split(',').map((d) => d.trim()).filter((d) => d.length > 0);
const num = Number(values.num);

await initBackend('wasm', { threads: Number(values.threads) });
const step = Number(basename(checkpoint).replace(/\.safetensors$/, ''));
const staging = `${TARGET}.staging-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true }); // an existing folder tells convert to write the native format
const converted = await convertCommand({ input: checkpoint, output: staging, verify: true, discriminator: false, log: (l) => console.log(l) });
if (!converted.verify?.identical) throw new Error('conversion did not verify as identical');

const generator = await loadGenerator(staging);
const realFiles = await listPngs(values.real!);
// swapPairs: which regions edit locally, each region's codes swapped with another face's, judged on the face
// parser's masks (the generator's own masks would hide a region drawn inside its neighbour's texture).
const evaluation = await evaluateFaceModel({
  generator,
  realFiles,
  num,
  swapPairs: 64,
  onProgress: (stage, done, total) => process.stderr.write(`\r${stage} ${done}/${total}   `),
});
process.stderr.write('\n');
const truncated = await evaluateFaceModel({ generator, realFiles, num, truncation: 0.7 });
const parameters = generator.params.parameterCount();
const config = configToOfficialArgs({ generator: generator.config } as Parameters<typeof configToOfficialArgs>[0]);
generator.dispose();

const bytes = readdirSync(staging).reduce((s, f) => s + statSync(join(staging, f)).size, 0);
const training = await runHistory(runDirs, step, checkpoint);
const dataset = JSON.parse(readFileSync(join(values.data!, 'dataset.json'), 'utf8')) as { n: number; size: number; seed: number };
const heldout = existsSync(join(values.real!, '..', 'dataset.json'))
  ? (JSON.parse(readFileSync(join(values.real!, '..', 'dataset.json'), 'utf8')) as { n: number; seed: number })
  : null;
const parserEvaluation = JSON.parse(readFileSync(join(ROOT, 'packages/datasets/models/face-parser/evaluation.json'), 'utf8')) as { meanIoU: number };
const model = `default${config['size']}`;
const card: ModelCardData = {
  model,
  configFile: `models/${model}.config.json`,
  step,
  checkpoint: basename(checkpoint),
  checkpointPath: checkpoint,
  config,
  parameters,
  sizeBytes: bytes,
  data: { folder: values.data!, n: dataset.n, size: dataset.size, seed: dataset.seed },
  heldout: heldout ? { folder: values.real!, n: heldout.n, seed: heldout.seed } : { folder: values.real! },
  training,
  evaluation: { ...evaluation, regionSwap: evaluation.regionSwap! }, // measured: swapPairs 64
  evaluationTruncation07: truncated,
  parserMeanIoU: parserEvaluation.meanIoU,
};
writeFileSync(join(staging, 'card.json'), `${JSON.stringify(card, null, 2)}\n`);
writeFileSync(join(staging, 'README.md'), modelCard(card));
console.log(JSON.stringify({ step, fid: evaluation.fid, fidFloor: evaluation.fidFloor, kid: evaluation.kid, maskMeanIoU: evaluation.maskMeanIoU, fid07: truncated.fid, bytes }));

// Swap in atomically-enough: the old default is moved aside, the new one renamed into place, the old removed.
const previous = `${TARGET}.previous-${process.pid}`;
if (existsSync(TARGET)) renameSync(TARGET, previous);
renameSync(staging, TARGET);
rmSync(previous, { recursive: true, force: true });
console.log(`default model now ${TARGET} (step ${step}); model card ${join(TARGET, 'README.md')}`);
