/**
 * Export a training checkpoint as the embedded default model, measured, with its model card.
 *
 *   npx tsx scripts/export-default-model.ts --checkpoint runs/default64/checkpoints/NNNNNN.safetensors \
 *     --real data/faces64-heldout/images [--num 1000] [--run runs/default64] [--threads 2]
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
mkdirSync(staging, { recursive: true }); // an existing folder tells convert to write the native format
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
writeFileSync(join(staging, 'README.md'), modelCard(card));
console.log(JSON.stringify({ step, fid: evaluation.fid, fidFloor: evaluation.fidFloor, kid: evaluation.kid, maskMeanIoU: evaluation.maskMeanIoU, fid07: truncated.fid, bytes }));

// Swap in atomically-enough: the old default is moved aside, the new one renamed into place, the old removed.
const previous = `${TARGET}.previous-${process.pid}`;
if (existsSync(TARGET)) renameSync(TARGET, previous);
renameSync(staging, TARGET);
rmSync(previous, { recursive: true, force: true });
console.log(`default model now ${TARGET} (step ${step}); model card ${join(TARGET, 'README.md')}`);

/** The model card (Markdown) from the measured card. */
function modelCard(c: typeof card): string {
  const e = c.evaluation;
  const t = c.evaluationTruncation07;
  const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
  const g = c.config as Record<string, unknown>;
  const perClass = Object.entries(e.maskIoUPerClass)
    .map(([k, v]) => `${k} ${v === null ? 'n/a' : v.toFixed(2)}`)
    .join(', ');
  return `# semstyle default model (default64) — step ${c.step}

SemanticStyleGAN trained by the project on synthetic cartoon faces (\`@semstyle/datasets\`, facesjs), 64×64,
13 CelebAMask-HQ-style regions. It is what \`loadGenerator()\` and \`semstyle generate\` use without a checkpoint.
Files: \`model.json\` + weights (native tfjs format, G_ema only, ${(c.sizeBytes / 2 ** 20).toFixed(1)} MiB),
\`card.json\` (everything below, machine-readable).

## Config
size ${g['size']}, K ${g['seg_dim']} (${(g['region_names'] as string[]).join(', ')}), latent ${g['latent']}, n_mlp ${g['n_mlp']},
local generators ${g['local_layers']} layers × ${g['local_channel']} ch (base ${g['base_layers']}, depth ${g['depth_layers']}), coarse ${g['coarse_size']}² × ${g['coarse_channel']} ch,
render net from ${g['min_feat_size']}² with channels ${JSON.stringify(g['channels'])}, residual refine ${g['residual_refine']},
transparent dims ${JSON.stringify(g['transparent_dims'])}; ${c.parameters.toLocaleString('en-US')} trainable generator parameters.
(\`models/default64.config.json\` in the repository.)

## Data
Training: \`${c.data.folder}\` — ${c.data.n} faces at ${c.data.size}², dataset seed ${c.data.seed}
(\`semstyle dataset faces --n ${c.data.n} --size ${c.data.size} --seed ${c.data.seed} --out ${c.data.folder}\`).
Held out (never trained on): \`${c.heldout.folder}\`${'n' in c.heldout ? ` — ${c.heldout.n} faces, seed ${c.heldout.seed}` : ''}.

## Training
Official recipe (semstyle's Trainer: non-saturating loss, R1 γ 10 / 1000 every 16, path length every 4, mask
regulariser λ 100, style mixing 0.3, Adam lr 0.002, EMA), batch ${c.training.batch ?? 'n/a'}, ${c.training.steps} steps
(${c.training.batch ? (c.training.steps * c.training.batch).toLocaleString('en-US') : 'n/a'} images), ${f(c.training.wallHours, 1)} h of wall time on the project's 2-core CPU machine (wasm, 2 threads,
sharing the cores with other work), resumed across work sessions:

    npx semstyle train --data ${c.data.folder} --config models/default64.config.json --batch ${c.training.batch ?? 8} \\
      --steps N --out runs/default64 --sample-every 250 --checkpoint-every 250 --seed 1 --threads 2 [--resume CKPT]

## Measured quality
\`semstyle evaluate\` (\`evaluateFaceModel\`): ${e.samplesPerSide} generated faces vs ${e.samplesPerSide} held-out real faces (half A), in the
128-d embedding of the datasets package's attribute classifier; the floor is the held-out set against itself
(half B vs half A, same sizes) — what a perfect generator would score.

| measure | ψ = 1 | ψ = 0.7 | floor (real vs real) |
|---|---|---|---|
| FID (classifier features) | ${f(e.fid)} | ${f(t.fid)} | ${f(e.fidFloor)} |
| KID (classifier features) | ${f(e.kid, 4)} | ${f(t.kid, 4)} | ${f(e.kidFloor, 4)} |
| mask mIoU: generator's masks vs the face parser on its images | ${f(e.maskMeanIoU, 3)} | ${f(t.maskMeanIoU, 3)} | parser on real faces: 0.837 |
| mask pixel accuracy | ${f(e.maskPixelAccuracy, 3)} | ${f(t.maskPixelAccuracy, 3)} | |

Per-class IoU (ψ = 1): ${perClass}.

Reproduce: \`npx tsx scripts/export-default-model.ts --checkpoint runs/default64/checkpoints/${c.checkpoint} --real ${c.heldout.folder} --num ${e.samplesPerSide}\`.

## Limits
Cartoon faces only (facesjs's drawing style); 64×64; attribute balance follows facesjs's random draws. The
figures above are the whole evaluation: no human study.
`;
}
