/**
 * Train the face parser on data/faces64 and write packages/datasets/models/face-parser/.
 *
 *   npx tsx packages/datasets/src/eval/train-parser.ts [--data DIR] [--out DIR] [--minutes 18]
 *       [--batch 16] [--lr 0.002] [--seed 0] [--eval-every 90] [--patience 5] [--max-steps N]
 *
 * Train faces 0–14 999, validation 500 of 15 000–15 999 (progress, best checkpoint by validation mIoU),
 * held-out 16 000–19 999 (measured once, on the saved float16 weights, written to evaluation.json).
 * Loss: per-pixel softmax cross-entropy, class-weighted by 1/√frequency (normalised to mean pixel weight 1).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { epochPermutation, initBackend, SeededRandom } from '@semstyle/core';
import { CLASS_NAMES } from '../classes.js';
import { DEFAULT_FACES64_DIR, loadFaceSlice, parseArgs, SPLITS, type FaceSlice } from './data.js';
import { ConfusionMatrix, type SegmentationScores } from './eval-metrics.js';
import { buildFaceParserModel, loadFaceParser, PARSER_CLASSES, type FaceParserMeta } from './face-parser.js';
import { imagesFromBytes } from './layers.js';
import { AdjustableAdam, fmtTime, imageBatch, labelBatch, learningRate, restore, snapshot, trainableVariables } from './train-common.js';
import { saveModelFiles } from './weights-io.js';

const args = parseArgs(process.argv.slice(2));
const dataDir = args.data ?? DEFAULT_FACES64_DIR;
const outDir = args.out ?? fileURLToPath(new URL('../../models/face-parser/', import.meta.url));
const minutes = Number(args.minutes ?? 18);
const batchSize = Number(args.batch ?? 16);
const baseLr = Number(args.lr ?? 2e-3);
const seed = Number(args.seed ?? 0);
const evalEvery = Number(args['eval-every'] ?? 90) * 1000;
const patience = Number(args.patience ?? 5);
const maxSteps = Number(args['max-steps'] ?? Infinity);
/** Continue from the weights in this model folder (e.g. the shipped ones) instead of a fresh initialisation. */
const initFrom = args.init;
const valSize = Number(args['val-size'] ?? 500);
const K = PARSER_CLASSES;
const PX = 64 * 64;

await initBackend('wasm');
tf.enableProdMode();
const t0 = performance.now();
console.log(`[parser] backend ${tf.getBackend()}, data ${dataDir}, ${minutes} min, batch ${batchSize}, lr ${baseLr}, seed ${seed}`);
const train = await loadFaceSlice(dataDir, ...SPLITS.train, { labels: true });
const val = await loadFaceSlice(dataDir, SPLITS.validation[0], SPLITS.validation[0] + valSize, { labels: true });
console.log(`[parser] decoded ${train.n} train + ${val.n} validation faces in ${fmtTime(performance.now() - t0)}`);

const counts = new Float64Array(K);
for (const c of train.labels!) counts[c]!++;
const freq = Array.from(counts, (c) => c / train.labels!.length);
let weights = freq.map((f) => (f > 0 ? 1 / Math.sqrt(f) : 0));
const norm = freq.reduce((a, f, c) => a + f * weights[c]!, 0);
weights = weights.map((w) => w / norm);
console.log(`[parser] class frequencies ${freq.map((f, c) => `${CLASS_NAMES[c]} ${(100 * f).toFixed(2)}%`).join(', ')}`);
console.log(`[parser] class weights ${weights.map((w) => w.toFixed(2)).join(' ')}`);
const weightT = tf.tensor1d(weights);

function lossOf(logits: tf.Tensor4D, labels: tf.Tensor3D): tf.Scalar {
  const oh = tf.oneHot(tf.reshape(labels, [-1]), K);
  const logp = tf.logSoftmax(tf.reshape(logits, [-1, K]));
  const nll = tf.neg(tf.sum(tf.mul(oh, logp), -1));
  const w = tf.sum(tf.mul(oh, weightT), -1);
  return tf.div(tf.sum(tf.mul(nll, w)), tf.sum(w));
}

const model = buildFaceParserModel(seed);
console.log(`[parser] ${model.countParams()} parameters`);
let initSteps = 0;
if (initFrom !== undefined) {
  const previous = await loadFaceParser(initFrom);
  model.setWeights(previous.model.getWeights());
  initSteps = Number((previous.meta.training as { steps?: number } | undefined)?.steps ?? 0);
  previous.dispose();
  console.log(`[parser] initialised from ${initFrom} (${initSteps} steps)`);
}
const vars = trainableVariables(model);
const optimizer = new AdjustableAdam(baseLr, 0.9, 0.999, 1e-7);

function evaluate(m: tf.LayersModel, slice: FaceSlice): SegmentationScores & { confusion: number[] } {
  const cm = new ConfusionMatrix(K);
  const bs = 50;
  for (let s = 0; s < slice.n; s += bs) {
    const e = Math.min(slice.n, s + bs);
    const pred = tf.tidy(() => tf.argMax(m.predict(imagesFromBytes(slice.images.subarray(s * PX * 3, e * PX * 3), e - s)) as tf.Tensor4D, 3).dataSync());
    cm.add(pred, slice.labels!.subarray(s * PX, e * PX));
  }
  return { ...cm.scores(), confusion: Array.from(cm.counts) };
}

const budget = minutes * 60_000;
const tStart = performance.now();
const rng = new SeededRandom(seed + 29);
let step = 0;
let epoch = 0;
let order = epochPermutation(train.n, seed, epoch);
let pos = 0;
let best = { miou: -Infinity, step: 0, snap: [] as tf.Tensor[] };
let sinceBest = 0;
let lastEval = performance.now();
let lossAcc = 0;
let lossCount = 0;
let stopReason = 'time budget';
for (;;) {
  const elapsed = performance.now() - tStart;
  if (elapsed >= budget) break;
  if (step >= maxSteps) {
    stopReason = 'max steps';
    break;
  }
  const idx: number[] = [];
  const flips: boolean[] = [];
  for (let k = 0; k < batchSize; k++) {
    if (pos >= train.n) {
      order = epochPermutation(train.n, seed, ++epoch);
      pos = 0;
    }
    idx.push(order[pos++]!);
    flips.push(rng.uniform() < 0.5);
  }
  optimizer.setLearningRate(learningRate(baseLr, elapsed / budget, step));
  const lossValue = tf.tidy(() => {
    const x = imageBatch(train.images, idx, flips);
    const y = labelBatch(train.labels!, idx, flips);
    const cost = optimizer.minimize(() => lossOf(model.apply(x, { training: true }) as tf.Tensor4D, y), true, vars)!;
    return cost.dataSync()[0]!;
  });
  if (!Number.isFinite(lossValue)) throw new Error(`loss is ${lossValue} at step ${step}`);
  lossAcc += lossValue;
  lossCount++;
  step++;
  if (step % 25 === 0) {
    const el = performance.now() - tStart;
    console.log(
      `[parser] step ${step} epoch ${((step * batchSize) / train.n).toFixed(2)} loss ${(lossAcc / lossCount).toFixed(4)} lr ${learningRate(baseLr, el / budget, step).toExponential(2)} ` +
        `${((step * batchSize) / (el / 1000)).toFixed(1)} img/s ${fmtTime(el)}`,
    );
    lossAcc = 0;
    lossCount = 0;
  }
  if (performance.now() - lastEval >= evalEvery || performance.now() - tStart >= budget || step >= maxSteps) {
    const v = evaluate(model, val);
    const improved = v.meanIoU > best.miou;
    if (improved) {
      tf.dispose(best.snap);
      best = { miou: v.meanIoU, step, snap: snapshot(model) };
      sinceBest = 0;
    } else sinceBest++;
    console.log(
      `[parser] validation @${step}: mIoU ${v.meanIoU.toFixed(4)} pixel acc ${v.pixelAccuracy.toFixed(4)} IoU ${v.iou.map((x) => (Number.isNaN(x) ? '-' : x.toFixed(2))).join(' ')} ` +
        `${improved ? '(best)' : `(no improvement ×${sinceBest})`} ${fmtTime(performance.now() - tStart)}`,
    );
    lastEval = performance.now();
    if (sinceBest >= patience) {
      stopReason = `no validation improvement in ${patience} evaluations`;
      break;
    }
  }
}
const trainMs = performance.now() - tStart;
console.log(`[parser] stopped (${stopReason}) after ${step} steps (${((step * batchSize) / train.n).toFixed(2)} epochs) in ${fmtTime(trainMs)}; best validation mIoU ${best.miou.toFixed(4)} at step ${best.step}`);
restore(model, best.snap);

const weightsId = `v1-seed${seed}-step${initSteps + best.step}`;
const meta: FaceParserMeta = {
  kind: 'face-parser',
  weightsId,
  classes: [...CLASS_NAMES],
  input: { size: 64, channels: 3, range: [-1, 1], layout: 'NHWC' },
  training: { data: 'data/faces64 (seed 1) faces 0–14999', steps: initSteps + best.step, batchSize, lr: baseLr, seed, classWeights: weights },
};
const sizes = await saveModelFiles(model, outDir, meta);
console.log(`[parser] wrote ${outDir}: model.json ${sizes.json} B, weights.bin ${sizes.bin} B`);

const heldOut = await loadFaceSlice(dataDir, SPLITS.heldOut[0], Math.min(SPLITS.heldOut[1], SPLITS.heldOut[0] + Number(args['held-out-size'] ?? 4000)), { labels: true });
const shipped = await loadFaceParser(outDir);
const h = evaluate(shipped.model, heldOut);
const f32 = evaluate(model, heldOut);
const evaluation = {
  split: `data/faces64 faces ${SPLITS.heldOut[0]}–${SPLITS.heldOut[0] + heldOut.n - 1}`,
  n: heldOut.n,
  parameters: model.countParams(),
  steps: initSteps + best.step,
  stepsRun: step,
  /** Continued from these weights (steps before this run: initSteps); epochs and wall time are this run's. */
  initFrom: initFrom ?? null,
  initSteps,
  epochs: (best.step * batchSize) / train.n,
  trainWallSeconds: Math.round(trainMs / 1000),
  stopReason,
  meanIoU: h.meanIoU,
  pixelAccuracy: h.pixelAccuracy,
  meanIoUFloat32: f32.meanIoU,
  iou: Object.fromEntries(CLASS_NAMES.map((c, i) => [c, Number.isNaN(h.iou[i]!) ? null : h.iou[i]!])),
  truthPixels: Object.fromEntries(CLASS_NAMES.map((c, i) => [c, h.truthPixels[i]!])),
  confusion: h.confusion,
  weightsId,
};
await writeFile(join(outDir, 'evaluation.json'), JSON.stringify(evaluation, null, 2) + '\n');
console.log(`[parser] held-out (${heldOut.n} faces, float16 weights): mIoU ${h.meanIoU.toFixed(4)} (float32 ${f32.meanIoU.toFixed(4)}), pixel accuracy ${h.pixelAccuracy.toFixed(4)}`);
CLASS_NAMES.forEach((c, i) => console.log(`  ${c.padEnd(10)} IoU ${Number.isNaN(h.iou[i]!) ? '-' : h.iou[i]!.toFixed(4)}`));
console.log(`[parser] done in ${fmtTime(performance.now() - t0)}`);
