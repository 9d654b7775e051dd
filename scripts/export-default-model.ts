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
import { configToOfficialArgs, DEFAULT_TRAINING_OPTIONS, initBackend, readSafetensors, type TrainingOptions } from '@semstyle/core';
import { loadGenerator, readFileBytes } from '@semstyle/core/node';
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
const runDirs = (values.run ?? join(checkpoint, '..', '..')).split(',').map((d) => d.trim()).filter((d) => d.length > 0);
const num = Number(values.num);

interface LogLine {
  step: number;
  secondsPerStep?: number;
  imagesPerSecond?: number;
  d: number;
  g: number;
}

/** The training options a checkpoint recorded (its `semstyle_training` metadata), defaults filled in. */
type Recipe = Omit<TrainingOptions, 'metrics'>;

async function checkpointRecipe(path: string): Promise<Recipe> {
  const file = readSafetensors(await readFileBytes(path));
  const state = JSON.parse(file.metadata['semstyle_training'] ?? '{}') as { options?: Partial<Recipe> };
  // Absent fields are the Trainer's defaults (the official recipe); metric hooks are code, not recorded.
  const { metrics: _metrics, ...defaults } = DEFAULT_TRAINING_OPTIONS;
  return { ...defaults, ...(state.options ?? {}) };
}

/** One run folder's share of the history: the steps it logged (up to the exported step) and its recipe. */
interface RunPart {
  folder: string;
  fromStep: number;
  toStep: number;
  recipe: Recipe;
}

/**
 * Steps, images and wall time of the history up to the checkpoint's step, from the run folders' log.jsonl
 * (later folders override steps an earlier one also logged, as a resumed run re-logs steps).
 */
async function trainingSummary(step: number): Promise<{ steps: number; wallHours: number; batch: number | null; lastLosses: LogLine | null; parts: RunPart[] }> {
  const byStep = new Map<number, LogLine>();
  const parts: RunPart[] = [];
  for (const dir of runDirs) {
    const file = join(dir, 'log.jsonl');
    if (!existsSync(file)) continue;
    let from = Infinity;
    let to = -Infinity;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const parsed = JSON.parse(line) as LogLine;
      if (parsed.step > step) continue;
      byStep.set(parsed.step, parsed);
      from = Math.min(from, parsed.step);
      to = Math.max(to, parsed.step);
    }
    if (to < from) continue;
    // The recipe of this part: its newest checkpoint at or below the exported step.
    const ckptDir = join(dir, 'checkpoints');
    const ckpts = existsSync(ckptDir) ? readdirSync(ckptDir).filter((f) => /^\d+\.safetensors$/.test(f) && Number(f.slice(0, -12)) <= step).sort() : [];
    const newest = ckpts[ckpts.length - 1];
    parts.push({ folder: dir, fromStep: from, toStep: to, recipe: await checkpointRecipe(newest ? join(ckptDir, newest) : checkpoint) });
  }
  // A later folder forked from an earlier checkpoint: the earlier folder's steps past the fork were discarded.
  for (let i = 0; i + 1 < parts.length; i++) parts[i]!.toStep = Math.min(parts[i]!.toStep, parts[i + 1]!.fromStep - 1);
  let seconds = 0;
  let batch: number | null = null;
  for (const l of byStep.values()) {
    seconds += l.secondsPerStep ?? 0;
    if (l.imagesPerSecond && l.secondsPerStep) batch = Math.round(l.imagesPerSecond * l.secondsPerStep);
  }
  return { steps: step, wallHours: byStep.size > 0 ? seconds / 3600 : NaN, batch, lastLosses: byStep.get(step) ?? null, parts };
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
const training = await trainingSummary(step);
const dataset = JSON.parse(readFileSync(join(values.data!, 'dataset.json'), 'utf8')) as { n: number; size: number; seed: number };
const heldout = existsSync(join(values.real!, '..', 'dataset.json'))
  ? (JSON.parse(readFileSync(join(values.real!, '..', 'dataset.json'), 'utf8')) as { n: number; seed: number })
  : null;
const card = {
  model: 'semstyle default64',
  step,
  checkpoint: basename(checkpoint),
  checkpointPath: checkpoint,
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
  const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
  // A region whose mask share is under a tenth of what the parser finds on real faces (ignoring classes rarer than 0.1 %).
  const unclaimed = Object.keys(e.classShare.generator).filter((k) => e.classShare.parserOnReal[k]! >= 0.001 && e.classShare.generator[k]! < 0.1 * e.classShare.parserOnReal[k]!);
  const drawnUnclaimed = unclaimed.filter((k) => e.classShare.parserOnGenerated[k]! >= 0.5 * e.classShare.parserOnReal[k]!);
  const undrawn = unclaimed.filter((k) => !drawnUnclaimed.includes(k));
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
semstyle's Trainer with the official recipe (non-saturating loss, R1 every 16 steps, path length every 4, style
mixing 0.3, Adam lr 0.002, EMA) and the loss weights below, batch ${c.training.batch ?? 'n/a'}, ${c.training.steps} steps
(${c.training.batch ? (c.training.steps * c.training.batch).toLocaleString('en-US') : 'n/a'} images), ${f(c.training.wallHours, 1)} h of wall time on the project's 2-core CPU machine (wasm, 2 threads,
sharing the cores with other work), resumed across work sessions:

    npx semstyle train --data ${c.data.folder} --config models/default64.config.json --batch ${c.training.batch ?? 8} \\
      --steps N --out runs/default64 --sample-every 250 --checkpoint-every 250 --seed 1 --threads 2 [--resume CKPT] \\
      [--r1-img G] [--r1-seg G] [--lambda-mask L]

| steps | run folder | R1 γ image | R1 γ segmentation | mask λ |
|---|---|---:|---:|---:|
${c.training.parts.map((p) => `| ${p.fromStep}–${p.toStep} | \`${p.folder}\` | ${p.recipe.r1Img} | ${p.recipe.r1Seg} | ${p.recipe.lambdaMask} |`).join('\n')}

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

Share of pixels per class (ψ = 1), in the generator's own masks, in the parser's reading of its images, and in
the parser's reading of the held-out real faces. A class the generator's masks never claim cannot be edited as
its own region, even where the image draws it.

| class | generator's masks | parser on generated | parser on real |
|---|---:|---:|---:|
${Object.keys(e.classShare.generator).map((k) => `| ${k} | ${pct(e.classShare.generator[k]!)} | ${pct(e.classShare.parserOnGenerated[k]!)} | ${pct(e.classShare.parserOnReal[k]!)} |`).join('\n')}

Reproduce: \`npx tsx scripts/export-default-model.ts --checkpoint ${c.checkpointPath} --run ${c.training.parts.map((p) => p.folder).join(',')} --real ${c.heldout.folder} --num ${e.samplesPerSide}\`.

## Limits
Cartoon faces only (facesjs's drawing style); 64×64; attribute balance follows facesjs's random draws. The
figures above are the whole evaluation: no human study.
${unclaimed.length === 0 ? '' : `
**Regions the masks do not claim.** ${unclaimed.map((k) => `${k} (${pct(e.classShare.generator[k]!)} of mask pixels; the parser finds ${pct(e.classShare.parserOnGenerated[k]!)} in the images and ${pct(e.classShare.parserOnReal[k]!)} in real faces)`).join('; ')}.
${drawnUnclaimed.length > 0 ? `The images draw ${drawnUnclaimed.join(', ')} (the parser finds them about as often as on real faces), but inside a neighbouring region's texture: editing these regions' codes barely changes the image.` : ''}
${undrawn.length > 0 ? `The images rarely draw ${undrawn.join(', ')} at all.` : ''}
Use the regions the masks claim, or a model trained further.
`}`;
}
