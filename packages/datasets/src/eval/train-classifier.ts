/**
 * Train the attribute classifier on data/faces64 and write packages/datasets/models/attribute-classifier/.
 *
 *   npx tsx packages/datasets/src/eval/train-classifier.ts [--data DIR] [--out DIR] [--minutes 18]
 *       [--batch 32] [--lr 0.002] [--seed 0] [--eval-every 75] [--patience 5] [--max-steps N]
 *
 * Train faces 0–14 999, validation 15 000–15 999 (progress, best-checkpoint selection by validation loss),
 * held-out 16 000–19 999 (measured once, on the saved float16 weights, written to evaluation.json).
 * Seeded (initialisation, order, flips); the run length is bounded by wall time, so step counts vary.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { epochPermutation, initBackend, SeededRandom } from '@semstyle/core';
import {
  buildAttributeClassifierModel,
  CLASSIFIER_BINARY_ATTRIBUTES,
  CLASSIFIER_EMBEDDING_DIM,
  CLASSIFIER_REGRESSION_ATTRIBUTES,
  loadAttributeClassifier,
  type AttributeClassifier,
  type AttributeClassifierMeta,
} from './attribute-classifier.js';
import { DEFAULT_FACES64_DIR, loadFaceSlice, parseArgs, SPLITS, type FaceSlice } from './data.js';
import { binaryScores, meanAbsoluteError, type BinaryScores } from './eval-metrics.js';
import { imagesFromBytes } from './layers.js';
import { AdjustableAdam, fmtTime, imageBatch, learningRate, restore, snapshot, trainableVariables } from './train-common.js';
import { saveModelFiles } from './weights-io.js';

const args = parseArgs(process.argv.slice(2));
const dataDir = args.data ?? DEFAULT_FACES64_DIR;
const outDir = args.out ?? fileURLToPath(new URL('../../models/attribute-classifier/', import.meta.url));
const minutes = Number(args.minutes ?? 18);
const batchSize = Number(args.batch ?? 32);
const baseLr = Number(args.lr ?? 2e-3);
const seed = Number(args.seed ?? 0);
const evalEvery = Number(args['eval-every'] ?? 75) * 1000;
const patience = Number(args.patience ?? 5);
const maxSteps = Number(args['max-steps'] ?? Infinity);
/** Continue from the weights in this model folder (e.g. the shipped ones) instead of a fresh initialisation. */
const initFrom = args.init;
const B = CLASSIFIER_BINARY_ATTRIBUTES.length;
const R = CLASSIFIER_REGRESSION_ATTRIBUTES.length;

function targets(slice: FaceSlice): { bin: Float32Array; reg: Float32Array } {
  const bin = new Float32Array(slice.n * B);
  const reg = new Float32Array(slice.n * R);
  slice.attributes.forEach((a, i) => {
    CLASSIFIER_BINARY_ATTRIBUTES.forEach((k, j) => {
      if (typeof a[k] !== 'boolean') throw new Error(`face ${i}: attribute ${k} is not boolean`);
      bin[i * B + j] = a[k] ? 1 : 0;
    });
    CLASSIFIER_REGRESSION_ATTRIBUTES.forEach((k, j) => {
      if (typeof a[k] !== 'number') throw new Error(`face ${i}: attribute ${k} is not a number`);
      reg[i * R + j] = a[k];
    });
  });
  return { bin, reg };
}

await initBackend('wasm');
tf.enableProdMode();
const t0 = performance.now();
console.log(`[classifier] backend ${tf.getBackend()}, data ${dataDir}, ${minutes} min, batch ${batchSize}, lr ${baseLr}, seed ${seed}`);
const train = await loadFaceSlice(dataDir, ...SPLITS.train);
const val = await loadFaceSlice(dataDir, ...SPLITS.validation);
console.log(`[classifier] decoded ${train.n} train + ${val.n} validation faces in ${fmtTime(performance.now() - t0)}`);
const trainT = targets(train);
const valT = targets(val);

// Standardisation of the regression targets and positive weights of the binary ones, from the train split.
const mean = CLASSIFIER_REGRESSION_ATTRIBUTES.map((_, j) => trainT.reg.filter((_, i) => i % R === j).reduce((a, b) => a + b, 0) / train.n);
const std = CLASSIFIER_REGRESSION_ATTRIBUTES.map((_, j) => Math.sqrt(trainT.reg.filter((_, i) => i % R === j).reduce((a, b) => a + (b - mean[j]!) ** 2, 0) / train.n));
const rate = CLASSIFIER_BINARY_ATTRIBUTES.map((_, j) => trainT.bin.filter((_, i) => i % B === j).reduce((a, b) => a + b, 0) / train.n);
// Rare attributes: positives weighted by sqrt(neg/pos) (≥ 1), which lifts balanced accuracy at little cost.
const posWeight = rate.map((p) => Math.max(1, Math.sqrt((1 - p) / p)));
console.log(`[classifier] positive rates ${CLASSIFIER_BINARY_ATTRIBUTES.map((k, j) => `${k} ${rate[j]!.toFixed(3)}`).join(', ')}`);
console.log(`[classifier] positive weights ${posWeight.map((w) => w.toFixed(2)).join(' ')}; regression mean ${mean.map((m) => m.toFixed(4)).join(' ')} std ${std.map((s) => s.toFixed(4)).join(' ')}`);

const meanT = tf.tensor1d(mean);
const stdT = tf.tensor1d(std);
const posWeightT = tf.tensor1d(posWeight);

function lossOf(heads: tf.Tensor2D, bin: tf.Tensor2D, reg: tf.Tensor2D): { total: tf.Scalar; bce: tf.Scalar; mse: tf.Scalar } {
  const logits = tf.slice(heads, [0, 0], [-1, B]);
  const z = tf.slice(heads, [0, B], [-1, R]);
  const w = tf.add(1, tf.mul(tf.sub(posWeightT, 1), bin));
  const bce = tf.losses.sigmoidCrossEntropy(bin, logits, w, 0, tf.Reduction.MEAN) as tf.Scalar;
  const mse = tf.mean(tf.square(tf.sub(z, tf.div(tf.sub(reg, meanT), stdT)))) as tf.Scalar;
  return { total: tf.add(bce, mse), bce, mse };
}

const model = buildAttributeClassifierModel(seed);
console.log(`[classifier] ${model.countParams()} parameters`);
let initSteps = 0;
if (initFrom !== undefined) {
  const previous = await loadAttributeClassifier(initFrom);
  model.setWeights(previous.model.getWeights());
  initSteps = Number((previous.meta.training as { steps?: number } | undefined)?.steps ?? 0);
  previous.dispose();
  console.log(`[classifier] initialised from ${initFrom} (${initSteps} steps)`);
}
const vars = trainableVariables(model);
const optimizer = new AdjustableAdam(baseLr, 0.9, 0.999, 1e-7);

function evaluate(m: tf.LayersModel, slice: FaceSlice, t: { bin: Float32Array; reg: Float32Array }) {
  const logits = new Float32Array(slice.n * B);
  const values = new Float32Array(slice.n * R);
  let loss = 0;
  const bs = 100;
  for (let s = 0; s < slice.n; s += bs) {
    const e = Math.min(slice.n, s + bs);
    tf.tidy(() => {
      const x = imagesFromBytes(slice.images.subarray(s * 64 * 64 * 3, e * 64 * 64 * 3), e - s);
      const [heads] = m.predict(x) as [tf.Tensor2D, tf.Tensor2D];
      const bin = tf.tensor2d(t.bin.subarray(s * B, e * B), [e - s, B]);
      const reg = tf.tensor2d(t.reg.subarray(s * R, e * R), [e - s, R]);
      loss += lossOf(heads, bin, reg).total.dataSync()[0]! * (e - s);
      logits.set(tf.slice(heads, [0, 0], [-1, B]).dataSync(), s * B);
      values.set(tf.add(tf.mul(tf.slice(heads, [0, B], [-1, R]), stdT), meanT).dataSync(), s * R);
    });
  }
  const binary: Record<string, BinaryScores> = {};
  CLASSIFIER_BINARY_ATTRIBUTES.forEach((k, j) => {
    const pred = Array.from({ length: slice.n }, (_, i) => logits[i * B + j]! > 0);
    const truth = Array.from({ length: slice.n }, (_, i) => t.bin[i * B + j]! > 0.5);
    binary[k] = binaryScores(pred, truth);
  });
  const mae: Record<string, number> = {};
  CLASSIFIER_REGRESSION_ATTRIBUTES.forEach((k, j) => {
    mae[k] = meanAbsoluteError(
      Array.from({ length: slice.n }, (_, i) => values[i * R + j]!),
      Array.from({ length: slice.n }, (_, i) => t.reg[i * R + j]!),
    );
  });
  const scores = Object.values(binary);
  return {
    loss: loss / slice.n,
    meanAccuracy: scores.reduce((a, s) => a + s.accuracy, 0) / scores.length,
    meanBalancedAccuracy: scores.reduce((a, s) => a + s.balancedAccuracy, 0) / scores.length,
    binary,
    mae,
  };
}

const budget = minutes * 60_000;
const tStart = performance.now();
const rng = new SeededRandom(seed + 17);
let step = 0;
let epoch = 0;
let order = epochPermutation(train.n, seed, epoch);
let pos = 0;
let best = { loss: Infinity, step: 0, snap: [] as tf.Tensor[] };
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
    const bin = tf.tensor2d(idx.flatMap((i) => Array.from(trainT.bin.subarray(i * B, i * B + B))), [batchSize, B]);
    const reg = tf.tensor2d(idx.flatMap((i) => Array.from(trainT.reg.subarray(i * R, i * R + R))), [batchSize, R]);
    const cost = optimizer.minimize(() => {
      const [heads] = model.apply(x, { training: true }) as tf.SymbolicTensor[] as unknown as [tf.Tensor2D];
      return lossOf(heads, bin, reg).total;
    }, true, vars)!;
    return cost.dataSync()[0]!;
  });
  if (!Number.isFinite(lossValue)) throw new Error(`loss is ${lossValue} at step ${step}`);
  lossAcc += lossValue;
  lossCount++;
  step++;
  if (step % 25 === 0) {
    const el = performance.now() - tStart;
    console.log(
      `[classifier] step ${step} epoch ${(step * batchSize / train.n).toFixed(2)} loss ${(lossAcc / lossCount).toFixed(4)} lr ${learningRate(baseLr, el / budget, step).toExponential(2)} ` +
        `${((step * batchSize) / (el / 1000)).toFixed(1)} img/s ${fmtTime(el)}`,
    );
    lossAcc = 0;
    lossCount = 0;
  }
  if (performance.now() - lastEval >= evalEvery || performance.now() - tStart >= budget || step >= maxSteps) {
    const v = evaluate(model, val, valT);
    const improved = v.loss < best.loss;
    if (improved) {
      tf.dispose(best.snap);
      best = { loss: v.loss, step, snap: snapshot(model) };
      sinceBest = 0;
    } else sinceBest++;
    console.log(
      `[classifier] validation @${step}: loss ${v.loss.toFixed(4)} acc ${v.meanAccuracy.toFixed(4)} balanced ${v.meanBalancedAccuracy.toFixed(4)} ` +
        `MAE ${Object.values(v.mae).map((m) => m.toFixed(4)).join('/')} ${improved ? '(best)' : `(no improvement ×${sinceBest})`} ${fmtTime(performance.now() - tStart)}`,
    );
    lastEval = performance.now();
    if (sinceBest >= patience) {
      stopReason = `no validation improvement in ${patience} evaluations`;
      break;
    }
  }
}
const trainMs = performance.now() - tStart;
console.log(`[classifier] stopped (${stopReason}) after ${step} steps (${((step * batchSize) / train.n).toFixed(2)} epochs) in ${fmtTime(trainMs)}; best validation loss ${best.loss.toFixed(4)} at step ${best.step}`);
restore(model, best.snap);

const weightsId = `v1-seed${seed}-step${initSteps + best.step}`;
const meta: AttributeClassifierMeta = {
  kind: 'attribute-classifier',
  weightsId,
  binary: [...CLASSIFIER_BINARY_ATTRIBUTES],
  regression: [...CLASSIFIER_REGRESSION_ATTRIBUTES],
  regressionMean: mean,
  regressionStd: std,
  embeddingDim: CLASSIFIER_EMBEDDING_DIM,
  input: { size: 64, channels: 3, range: [-1, 1], layout: 'NHWC' },
  training: { data: 'data/faces64 (seed 1) faces 0–14999', steps: initSteps + best.step, batchSize, lr: baseLr, seed, positiveWeights: posWeight },
};
const sizes = await saveModelFiles(model, outDir, meta);
console.log(`[classifier] wrote ${outDir}: model.json ${sizes.json} B, weights.bin ${sizes.bin} B`);

// Held-out figures, measured on the float16 weights as shipped.
const heldOut = await loadFaceSlice(dataDir, ...SPLITS.heldOut);
const shipped: AttributeClassifier = await loadAttributeClassifier(outDir);
const h = evaluate(shipped.model, heldOut, targets(heldOut));
const beforeQuant = evaluate(model, heldOut, targets(heldOut));
const evaluation = {
  split: `data/faces64 faces ${SPLITS.heldOut[0]}–${SPLITS.heldOut[1] - 1}`,
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
  meanAccuracy: h.meanAccuracy,
  meanBalancedAccuracy: h.meanBalancedAccuracy,
  meanAccuracyFloat32: beforeQuant.meanAccuracy,
  binary: h.binary,
  mae: h.mae,
  maeFloat32: beforeQuant.mae,
  weightsId,
};
await writeFile(join(outDir, 'evaluation.json'), JSON.stringify(evaluation, null, 2) + '\n');
console.log(`[classifier] held-out (${heldOut.n} faces, float16 weights): mean accuracy ${h.meanAccuracy.toFixed(4)} (float32 ${beforeQuant.meanAccuracy.toFixed(4)}), mean balanced ${h.meanBalancedAccuracy.toFixed(4)}`);
for (const [k, s] of Object.entries(h.binary)) console.log(`  ${k.padEnd(11)} acc ${s.accuracy.toFixed(4)} balanced ${s.balancedAccuracy.toFixed(4)} positives ${s.positives}`);
for (const [k, m] of Object.entries(h.mae)) console.log(`  ${k.padEnd(13)} MAE ${m.toFixed(4)}`);
console.log(`[classifier] done in ${fmtTime(performance.now() - t0)}`);
