/**
 * Issue #8's "on the default model" evidence, as one reproducible pipeline:
 *
 *   1. train (or resume) a CPU-sized ReStyle encoder on a generator checkpoint with the package's trainer —
 *      generated images (sampled latents are ground truth: latent loss) mixed with a real image folder;
 *      writes the training checkpoint (`encoder/`, with Adam state, resumable) and the inference-only
 *      weights (`encoder-weights.safetensors`, the file to commit when ≤ 20 MB), logging the time;
 *   2. ReStyle inversion (per pass 1…N) and optimisation inversion (projector schedule, W+ and/or W) of K
 *      held-out generated samples (eval seeds the trainer never draws) and K held-out dataset faces:
 *      MSE, PSNR, SSIM (@semstyle/metrics) and, on the generated ones, the W+ latent error;
 *   3. a region swap on inverted dataset faces (each face gets the next face's region codes), measured with
 *      the metrics package's editLocality, next to the same swap on the generator's own ground-truth latents;
 *   4. writes results.json, results.md (the tables) and strip.png (a picture strip).
 *
 *   npx tsx packages/inversion/scripts/default-model.ts --checkpoint runs/default64/checkpoints/NNNNNN.safetensors \
 *     --encoder-steps 2000 --out out/inversion-default [--resume]
 *
 * `npx tsx packages/inversion/scripts/default-model.ts --help` lists every option. `--checkpoint testing`
 * uses the tiny testing generator (what the test of this script runs).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  gridPixels,
  imagesToPixels,
  initBackend,
  InputError,
  segmentationToPixels,
  swapCodes,
  upscalePixels,
  type RgbPixels,
  type SemanticStyleGAN,
  type WPlusLatent,
} from '@semstyle/core';
import { loadGenerator, writeFileAtomic } from '@semstyle/core/node';
import { createTestingGenerator } from '@semstyle/core/testing';
import { editLocality, msePerImage, psnrPerImage, ssimPerImage } from '@semstyle/metrics';
import { countEncoderParameters, optimizeLatent, restyleInvert, type EncoderPresetName } from '@semstyle/inversion';
import {
  ENCODER_WEIGHTS_FILE,
  encodeRgbPng,
  listPngFiles,
  loadEncoder,
  loadPngBatch,
  readEncoderCheckpoint,
  saveEncoderWeights,
  trainEncoderCommand,
} from '@semstyle/inversion/node';

const HELP = `default-model.ts — train + evaluate a ReStyle encoder and optimisation inversion on a generator checkpoint

  --checkpoint PATH        generator (.pt / .safetensors training checkpoint / native folder; 'testing': tiny generator)
  --out DIR                everything goes here (encoder/, encoder-weights.safetensors, results.json, results.md, strip.png)
  --encoder-steps N        train the encoder to N steps in total (0: evaluate an existing encoder only)
  --resume                 continue DIR/encoder's checkpoint (without it an existing checkpoint is an error)
  --train-real DIR         real training images, mixed with generated ones (default data/faces64/images; 'none': generated only)
  --generated-fraction F   share of generated training steps when --train-real is given (default 0.5)
  --heldout-real DIR       held-out dataset faces to evaluate on (default data/faces64-heldout/images)
  --k N                    held-out samples per set (default 16)
  --preset NAME            encoder backbone preset (default small)
  --head-channels C        GradualStyleBlock width (default 32: ≈ 11 MB of weights on the default model)
  --batch N                training batch (default 4)
  --train-iterations N     ReStyle passes per training step (default 5)
  --lr X                   Adam learning rate (default 1e-4)
  --iterations N           ReStyle passes at evaluation (default 5)
  --opt-steps N            optimisation steps (default 1000, as the StyleGAN2 projector)
  --opt-modes LIST         optimisation modes, comma separated: w+, w (default w+; 'none' skips)
  --region NAME            region swapped in the edit (default hair, else the last region)
  --strip N                faces per set shown in strip.png (default 4)
  --train-seed N           seed of the trainer's generated data (default 0: latents seeded 2s, 2s+1 for step s)
  --eval-seed N            seed of the held-out generated latents (default 900001)
  --eval-truncation X      truncation ψ of the held-out generated latents (default 1, the training distribution)
  --checkpoint-every N     encoder checkpoint interval in steps (default 50)
  --w-std-samples N        Z samples for the projector's w_std (default 10000)
  --threads N              wasm threads (default 1)`;

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    out: { type: 'string' },
    'encoder-steps': { type: 'string' },
    resume: { type: 'boolean', default: false },
    'train-real': { type: 'string', default: 'data/faces64/images' },
    'generated-fraction': { type: 'string', default: '0.5' },
    'heldout-real': { type: 'string', default: 'data/faces64-heldout/images' },
    k: { type: 'string', default: '16' },
    preset: { type: 'string', default: 'small' },
    'head-channels': { type: 'string', default: '32' },
    batch: { type: 'string', default: '4' },
    'train-iterations': { type: 'string', default: '5' },
    lr: { type: 'string', default: '1e-4' },
    iterations: { type: 'string', default: '5' },
    'opt-steps': { type: 'string', default: '1000' },
    'opt-modes': { type: 'string', default: 'w+' },
    region: { type: 'string' },
    strip: { type: 'string', default: '4' },
    'train-seed': { type: 'string', default: '0' },
    'eval-seed': { type: 'string', default: '900001' },
    'eval-truncation': { type: 'string', default: '1' },
    'checkpoint-every': { type: 'string', default: '50' },
    'w-std-samples': { type: 'string', default: '10000' },
    threads: { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (values.help) {
  console.log(HELP);
  process.exit(0);
}

function int(name: keyof typeof values, min = 0): number {
  const raw = values[name];
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new InputError('E_INVALID_ARGUMENT', `--${name} must be an integer ≥ ${min} (got ${String(raw)}).`);
  return v;
}
function num(name: keyof typeof values): number {
  const v = Number(values[name]);
  if (!Number.isFinite(v)) throw new InputError('E_INVALID_ARGUMENT', `--${name} must be a number (got ${String(values[name])}).`);
  return v;
}

if (!values.checkpoint || !values.out || values['encoder-steps'] === undefined) {
  console.error(HELP);
  throw new InputError('E_INVALID_ARGUMENT', 'needs --checkpoint PATH, --encoder-steps N and --out DIR.');
}
const out = values.out;
const encoderSteps = int('encoder-steps');
const K = int('k', 1);
const evalIterations = int('iterations', 1);
const optSteps = int('opt-steps', 1);
const optModes = values['opt-modes'] === 'none' ? [] : values['opt-modes'].split(',').map((m) => m.trim());
for (const m of optModes) if (m !== 'w+' && m !== 'w') throw new InputError('E_INVALID_ARGUMENT', `--opt-modes: unknown mode ${m} (w+, w, none).`);
const stripN = Math.min(int('strip', 1), K);
const evalSeed = int('eval-seed');
const trainSeed = int('train-seed');
const trainReal = values['train-real'] === 'none' ? undefined : values['train-real'];
const t00 = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - t00) / 1000).toFixed(0).padStart(5)} s] ${line}`);

await initBackend('wasm', { threads: int('threads', 1) });
const g: SemanticStyleGAN = values.checkpoint === 'testing' ? createTestingGenerator({ seed: 1 }) : await loadGenerator(values.checkpoint);
const regionName = values.region ?? (g.regions.includes('hair') ? 'hair' : g.regions[g.regions.length - 1]!);
const regionIndex = g.regions.indexOf(regionName);
if (regionIndex < 0) throw new InputError('E_UNKNOWN_REGION', `--region ${regionName} is not one of ${g.regions.join(', ')}.`);
log(`generator ${values.checkpoint}: ${g.resolution}², W+ ${g.layout.nLatent} × ${g.layout.styleDim}, regions ${g.regions.join(', ')}`);

// ---------------------------------------------------------------------------------------------------------
// 1. Encoder training (resumable).
const encoderDir = join(out, 'encoder');
const hasCheckpoint = existsSync(join(encoderDir, ENCODER_WEIGHTS_FILE));
if (hasCheckpoint && !values.resume) {
  throw new InputError('E_INVALID_ARGUMENT', `${encoderDir} already holds an encoder checkpoint: pass --resume to continue it, or another --out.`);
}
if (!hasCheckpoint && encoderSteps === 0) throw new InputError('E_INVALID_ARGUMENT', `--encoder-steps 0 evaluates an existing encoder, but ${encoderDir} has none.`);
const training = {
  batchSize: int('batch', 1),
  iterations: int('train-iterations', 1),
  lr: num('lr'),
  seed: trainSeed,
};
const encoderOptions = { preset: values.preset as EncoderPresetName, headChannels: int('head-channels', 1) };
const generatedFraction = num('generated-fraction');
const trained = await trainEncoderCommand({
  generator: g,
  outDir: encoderDir,
  steps: Math.max(encoderSteps, hasCheckpoint ? (await readEncoderCheckpoint(encoderDir)).step : 0),
  resume: values.resume,
  encoder: encoderOptions,
  training,
  seed: trainSeed,
  checkpointEvery: int('checkpoint-every'),
  ...(trainReal ? { data: { folder: trainReal, generatedFraction } } : {}),
  log: (line) => {
    if (!line.startsWith('step ')) return log(line);
    const step = Number(/^step (\d+)/.exec(line)?.[1] ?? 0);
    if (step <= 3 || step % 10 === 0) log(line);
  },
});
const history = trained.history;
const trainingSeconds = history.reduce((a, h) => a + (typeof h.seconds === 'number' ? h.seconds : 0), 0);
const encoder = await loadEncoder(trained.checkpoint, g);
const weightsFile = join(out, 'encoder-weights.safetensors');
await saveEncoderWeights(weightsFile, encoder, { step: trained.step, metadata: { generator: String(values.checkpoint) } });
const encoderBytes = { checkpoint: statSync(trained.checkpoint).size, weights: statSync(weightsFile).size };
const parameters = countEncoderParameters(encoder.config);
log(
  `encoder: ${encoder.config.preset} head ${encoder.config.headChannels}, ${parameters.toLocaleString('en-US')} parameters; step ${trained.step} ` +
    `(${trained.step - trained.startStep} this run, ${trained.seconds.toFixed(0)} s; ${trainingSeconds.toFixed(0)} s of steps in total); ` +
    `weights ${(encoderBytes.weights / 1e6).toFixed(2)} MB, training checkpoint ${(encoderBytes.checkpoint / 1e6).toFixed(2)} MB`,
);

// ---------------------------------------------------------------------------------------------------------
// 2. Held-out data.
function heldOutGenerated(): { latent: WPlusLatent; images: tf.Tensor4D } {
  // The trainer draws Z with seeds seed·1000003 + 2s (+1); eval seeds far from those are never drawn.
  const latent = g.sampleWPlus(K, evalSeed, { truncation: num('eval-truncation') });
  const images = tf.tidy(() => tf.clipByValue(g.forward(latent.tensor, { noise: 'const' }).image, -1, 1) as tf.Tensor4D);
  return { latent, images };
}
const gen = heldOutGenerated();
const realFiles = (await listPngFiles(values['heldout-real'])).slice(0, K);
if (realFiles.length < K) throw new InputError('E_DATASET', `${values['heldout-real']} has ${realFiles.length} PNGs, --k is ${K}.`);
const realImages = await loadPngBatch(realFiles, g.resolution, { resize: 'bilinear', channels: 'convert' });
log(`held-out: ${K} generated (seed ${evalSeed}, ψ ${num('eval-truncation')}), ${K} dataset faces from ${values['heldout-real']}`);

interface Measure {
  mse: number;
  psnr: number;
  ssim: number;
  latentMse?: number;
}
const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
/** MSE / PSNR / SSIM of reconstructions (clipped to the image range) against targets, and the latent MSE to the truth. */
async function measure(recon: tf.Tensor4D, targets: tf.Tensor4D, latent?: tf.Tensor3D, truth?: tf.Tensor3D): Promise<Measure> {
  const clipped = tf.clipByValue(recon, -1, 1) as tf.Tensor4D;
  const m = msePerImage(clipped, targets);
  const p = psnrPerImage(clipped, targets);
  const s = ssimPerImage(clipped, targets);
  const l = latent && truth ? tf.tidy(() => tf.mean(tf.squaredDifference(latent, truth), [1, 2])) : undefined;
  const r: Measure = { mse: mean(await m.data()), psnr: mean(await p.data()), ssim: mean(await s.data()), ...(l ? { latentMse: mean(await l.data()) } : {}) };
  tf.dispose([clipped, m, p, s, ...(l ? [l] : [])]);
  return r;
}

interface Row extends Measure {
  method: string;
  seconds: number;
}
const rows: { generated: Row[]; real: Row[] } = { generated: [], real: [] };
const strip: { generated: tf.Tensor4D[]; real: tf.Tensor4D[] } = { generated: [], real: [] };
const take = (t: tf.Tensor4D) => tf.slice(t, [0, 0, 0, 0], [stripN, -1, -1, -1]) as tf.Tensor4D;
let realRestyle: WPlusLatent | undefined;
let realOptimised: WPlusLatent | undefined;

for (const set of ['generated', 'real'] as const) {
  const targets = set === 'generated' ? gen.images : realImages;
  const truth = set === 'generated' ? gen.latent.tensor : undefined;
  strip[set].push(take(targets));
  // The common start: w̄ in every slot.
  const start = tf.tidy(() => tf.tile(tf.expandDims(g.meanW().tensor, 1), [K, g.layout.nLatent, 1]) as tf.Tensor3D);
  const startImage = tf.tidy(() => g.forward(start, { noise: 'const' }).image);
  rows[set].push({ method: 'w̄ (start of both)', seconds: 0, ...(await measure(startImage, targets, start, truth)) });
  strip[set].push(take(startImage));
  tf.dispose([start, startImage]);

  let t0 = Date.now();
  const r = restyleInvert(g, encoder, targets, { iterations: evalIterations, keepIntermediate: true });
  const restyleSeconds = (Date.now() - t0) / 1000;
  for (const [i, step] of r.intermediate!.entries()) {
    rows[set].push({ method: `ReStyle pass ${i + 1}`, seconds: (restyleSeconds * (i + 1)) / evalIterations, ...(await measure(step.reconstruction, targets, step.latent.tensor, truth)) });
    strip[set].push(take(step.reconstruction));
    tf.dispose([step.latent.tensor, step.reconstruction]);
  }
  tf.dispose(r.reconstruction);
  if (set === 'real') realRestyle = r.latent;
  else r.latent.tensor.dispose();
  log(`${set}: ReStyle MSE per pass ${rows[set].slice(1).map((x) => x.mse.toFixed(4)).join(' → ')} (${restyleSeconds.toFixed(1)} s for ${K} images)`);

  for (const mode of optModes as Array<'w' | 'w+'>) {
    t0 = Date.now();
    const o = optimizeLatent(g, targets, {
      mode,
      steps: optSteps,
      wStdSamples: int('w-std-samples', 1),
      onStep: ({ step, mse }) => {
        if ((step + 1) % Math.max(1, Math.round(optSteps / 5)) === 0) log(`${set}: optimisation ${mode} step ${step + 1}/${optSteps}: MSE ${mse.toFixed(4)}`);
      },
    });
    const seconds = (Date.now() - t0) / 1000;
    rows[set].push({ method: `optimisation ${mode.toUpperCase()} (${optSteps} steps)`, seconds, ...(await measure(o.reconstruction, targets, o.latent.tensor, truth)) });
    strip[set].push(take(o.reconstruction));
    o.reconstruction.dispose();
    if (set === 'real' && mode === 'w+') realOptimised = o.latent;
    else o.latent.tensor.dispose();
  }
}
const fmtRow = (r: Row) => `${r.method}: MSE ${r.mse.toFixed(4)}, PSNR ${r.psnr.toFixed(2)}, SSIM ${r.ssim.toFixed(3)}${r.latentMse !== undefined ? `, latent ${r.latentMse.toFixed(4)}` : ''}, ${r.seconds.toFixed(1)} s`;
for (const set of ['generated', 'real'] as const) for (const r of rows[set]) log(`${set}: ${fmtRow(r)}`);
const restyleMse = (set: 'generated' | 'real') => rows[set].filter((r) => r.method.startsWith('ReStyle')).map((r) => r.mse);
const falling = (xs: number[]) => xs.every((x, i) => i === 0 || x <= xs[i - 1]!);

// ---------------------------------------------------------------------------------------------------------
// 3. Region swap on inverted dataset faces: face i gets face i+1's region codes (shape + texture).
interface SwapMeasure {
  outsideFraction: number;
  meanIou: number;
  /** Mean |Δ| per pixel (summed over RGB) inside / outside the region (union of its masks before and after). */
  changeInside: number;
  changeOutside: number;
  /** Share of the image the region covers (union before/after): the outside fraction of an edit that ignored the region. */
  regionArea: number;
}
async function regionSwap(latent: WPlusLatent): Promise<{ m: SwapMeasure; before: ReturnType<SemanticStyleGAN['synthesize']>; after: ReturnType<SemanticStyleGAN['synthesize']>; donor: tf.Tensor4D }> {
  const donorLatent: WPlusLatent = { ...latent, tensor: tf.tidy(() => tf.concat([tf.slice(latent.tensor, [1, 0, 0], [-1, -1, -1]), tf.slice(latent.tensor, [0, 0, 0], [1, -1, -1])], 0) as tf.Tensor3D) };
  const edited = swapCodes(latent, donorLatent, { regions: [regionName] });
  const before = g.synthesize(latent);
  const after = g.synthesize(edited);
  const donor = tf.tidy(() => tf.concat([tf.slice(before.image, [1, 0, 0, 0], [-1, -1, -1, -1]), tf.slice(before.image, [0, 0, 0, 0], [1, -1, -1, -1])], 0) as tf.Tensor4D);
  const loc = editLocality({ before: before.image, after: after.image, segBefore: before.seg, segAfter: after.seg, editedClasses: [regionIndex], numClasses: g.regions.length });
  const [inside, outside, area] = tf.tidy(() => {
    const union = tf.image.resizeNearestNeighbor(
      tf.logicalOr(tf.equal(tf.argMax(before.seg, 3), regionIndex), tf.equal(tf.argMax(after.seg, 3), regionIndex)).cast('float32').expandDims(3) as tf.Tensor4D,
      [g.resolution, g.resolution],
    );
    const change = tf.sum(tf.abs(tf.sub(tf.clipByValue(after.image, -1, 1), tf.clipByValue(before.image, -1, 1))), 3, true);
    const inArea = tf.sum(union);
    const outArea = tf.sub(union.size, inArea);
    return [tf.div(tf.sum(tf.mul(change, union)), tf.maximum(inArea, 1)), tf.div(tf.sum(tf.mul(change, tf.sub(1, union))), tf.maximum(outArea, 1)), tf.div(inArea, union.size)];
  });
  const m: SwapMeasure = {
    outsideFraction: loc.outsideFraction,
    meanIou: loc.meanIou,
    changeInside: (await inside!.data())[0]!,
    changeOutside: (await outside!.data())[0]!,
    regionArea: (await area!.data())[0]!,
  };
  tf.dispose([donorLatent.tensor, edited.tensor, inside!, outside!, area!]);
  return { m, before, after, donor };
}
const swaps: Record<string, SwapMeasure> = {};
const swapPictures: RgbPixels[] = [];
const swapSources: Array<[string, WPlusLatent | undefined]> = [
  ['dataset faces, ReStyle latents', realRestyle],
  ['dataset faces, optimised W+ latents', realOptimised],
  ['generated faces, ground-truth latents (the generator’s own locality)', gen.latent],
];
for (const [name, latent] of swapSources) {
  if (!latent) continue;
  const s = await regionSwap(latent);
  swaps[name] = s.m;
  log(`swap ${regionName} (${name}): outside fraction ${s.m.outsideFraction.toFixed(3)} (region covers ${(s.m.regionArea * 100).toFixed(1)} %), mean IoU of the other masks ${s.m.meanIou.toFixed(3)}, mean |Δ| inside ${s.m.changeInside.toFixed(3)} vs outside ${s.m.changeOutside.toFixed(3)}`);
  if (latent === realRestyle) {
    // Strip: target | reconstruction | donor | swapped | mask before | mask after | |Δ| — for the first faces.
    const diff = tf.tidy(() => tf.sub(tf.clipByValue(tf.mul(tf.sum(tf.abs(tf.sub(s.after.image, s.before.image)), 3, true), 1), 0, 2).tile([1, 1, 1, 3]), 1) as tf.Tensor4D);
    const cols = [
      await imagesToPixels(take(realImages)),
      await imagesToPixels(take(s.before.image)),
      await imagesToPixels(take(s.donor)),
      await imagesToPixels(take(s.after.image)),
      await segmentationToPixels(take(s.before.seg)),
      await segmentationToPixels(take(s.after.seg)),
      await imagesToPixels(take(diff)),
    ];
    for (let i = 0; i < stripN; i++) for (const c of cols) swapPictures.push(c[i]!);
    diff.dispose();
  }
  tf.dispose([s.before, s.after, s.donor] as unknown as tf.Tensor[]);
}

// ---------------------------------------------------------------------------------------------------------
// 4. Outputs.
const scale = g.resolution <= 64 ? 2 : 1;
async function setStrip(set: 'generated' | 'real'): Promise<RgbPixels> {
  const columns = strip[set].length;
  const pics = await Promise.all(strip[set].map((t) => imagesToPixels(t)));
  const cells: RgbPixels[] = [];
  for (let i = 0; i < stripN; i++) for (let c = 0; c < columns; c++) cells.push(upscalePixels(pics[c]![i]!, scale));
  return gridPixels(cells, columns);
}
const blocks = [await setStrip('generated'), await setStrip('real'), gridPixels(swapPictures.map((p) => upscalePixels(p, scale)), 7)];
const stripWidth = Math.max(...blocks.map((b) => b.width));
const gap = 8;
const stripHeight = blocks.reduce((a, b) => a + b.height, 0) + gap * (blocks.length - 1);
const canvas = new Uint8Array(stripWidth * stripHeight * 3).fill(255);
let y0 = 0;
for (const b of blocks) {
  for (let y = 0; y < b.height; y++) canvas.set(b.data.subarray(y * b.width * 3, (y + 1) * b.width * 3), ((y0 + y) * stripWidth) * 3);
  y0 += b.height + gap;
}
await writeFileAtomic(join(out, 'strip.png'), encodeRgbPng({ width: stripWidth, height: stripHeight, data: canvas }));

const command = `npx tsx packages/inversion/scripts/default-model.ts ${process.argv.slice(2).join(' ')}`;
const results = {
  command,
  generator: { checkpoint: values.checkpoint, resolution: g.resolution, nLatent: g.layout.nLatent, styleDim: g.layout.styleDim, regions: g.regions },
  encoder: {
    config: { preset: encoder.config.preset, stageBlocks: encoder.config.stageBlocks, stageChannels: encoder.config.stageChannels, se: encoder.config.se, headChannels: encoder.config.headChannels },
    parameters,
    bytes: encoderBytes,
    weightsFile,
    checkpoint: trained.checkpoint,
    steps: trained.step,
    training: { ...training, data: trainReal ? { folder: trainReal, generatedFraction } : 'generated', secondsThisRun: trained.seconds, secondsOfSteps: trainingSeconds },
    lossFirst: history.slice(0, 10).map((h) => h.loss),
    lossLast: history.slice(-10).map((h) => h.loss),
  },
  evaluation: { k: K, iterations: evalIterations, evalSeed, evalTruncation: num('eval-truncation'), heldOutReal: realFiles, optimisation: { steps: optSteps, modes: optModes } },
  generated: rows.generated,
  real: rows.real,
  restyleFalling: { generated: falling(restyleMse('generated')), real: falling(restyleMse('real')) },
  swap: { region: regionName, ...swaps },
  seconds: (Date.now() - t00) / 1000,
};
await writeFileAtomic(join(out, 'results.json'), JSON.stringify(results, null, 2));

const f4 = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(4));
const tableRows = rows.generated.map((gr, i) => {
  const rr = rows.real[i]!;
  return `| ${gr.method} | ${f4(gr.mse)} | ${gr.psnr.toFixed(2)} | ${gr.ssim.toFixed(3)} | ${f4(gr.latentMse)} | ${f4(rr.mse)} | ${rr.psnr.toFixed(2)} | ${rr.ssim.toFixed(3)} | ${gr.seconds.toFixed(1)} / ${rr.seconds.toFixed(1)} |`;
});
const swapRows = Object.entries(swaps).map(
  ([name, s]) => `| ${name} | ${s.outsideFraction.toFixed(3)} | ${(s.regionArea * 100).toFixed(1)} % | ${s.meanIou.toFixed(3)} | ${s.changeInside.toFixed(3)} | ${s.changeOutside.toFixed(3)} |`,
);
const markdown = `Generator \`${values.checkpoint}\` (${g.resolution}², W+ ${g.layout.nLatent} × ${g.layout.styleDim}). Encoder: \`${encoder.config.preset}\` backbone, head width ${encoder.config.headChannels}, ${parameters.toLocaleString('en-US')} parameters, ${(encoderBytes.weights / 1e6).toFixed(1)} MB of inference weights (${(encoderBytes.checkpoint / 1e6).toFixed(1)} MB training checkpoint with Adam state); ${trained.step} steps, batch ${training.batchSize}, ${training.iterations} passes per step, lr ${training.lr}, ${trainReal ? `${Math.round((1 - generatedFraction) * 100)} % of the steps on \`${trainReal}\`, the rest generated` : 'generated images only'}; ${(trainingSeconds / 60).toFixed(1)} min of training steps on this machine. Held-out: ${K} generated samples (seed ${evalSeed}, ψ ${num('eval-truncation')}, never drawn in training) and the first ${K} faces of \`${values['heldout-real']}\`. MSE and PSNR on [−1, 1] images, SSIM as @semstyle/metrics, latent error = mean squared W+ difference to the sampled latent. Time: seconds for the ${K} images (ReStyle: cumulative per pass).

| method | generated MSE | PSNR (dB) | SSIM | latent error | dataset MSE | PSNR (dB) | SSIM | seconds (gen / dataset) |
|---|---|---|---|---|---|---|---|---|
${tableRows.join('\n')}

ReStyle reconstruction error falling across passes 1→${evalIterations}: generated ${results.restyleFalling.generated ? 'yes' : 'no'}, dataset ${results.restyleFalling.real ? 'yes' : 'no'}.

Region swap (\`${regionName}\`: face i gets face i+1's ${regionName} shape + texture codes), \`editLocality\` over the ${K} pairs:

| latents | outside fraction | region area | mean IoU, other masks | mean \\|Δ\\| inside | mean \\|Δ\\| outside |
|---|---|---|---|---|---|
${swapRows.join('\n')}

Regenerate: \`${command}\`
`;
await writeFileAtomic(join(out, 'results.md'), markdown);
log(`wrote ${resolve(out, 'results.json')}, results.md, strip.png (rows: ${stripN} generated | ${stripN} dataset faces: target, w̄, ReStyle passes 1…${evalIterations}${optModes.map((m) => `, optimisation ${m}`).join('')}; then the ${regionName} swap: target, reconstruction, donor, swapped, masks before/after, |Δ|)`);

encoder.dispose();
tf.dispose([gen.latent.tensor, gen.images, realImages, ...(realRestyle ? [realRestyle.tensor] : []), ...(realOptimised ? [realOptimised.tensor] : []), ...strip.generated, ...strip.real]);
g.dispose();
