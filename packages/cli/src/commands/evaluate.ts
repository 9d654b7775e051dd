import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, FACE_REGIONS, defaultWasmThreads, initBackend, InputError, type BackendName, type SemanticStyleGAN } from '@semstyle/core';
import { loadGenerator } from '@semstyle/core/node';
import { ConfusionMatrix, loadAttributeClassifier, loadFaceParser, type AttributeClassifier, type FaceParser } from '@semstyle/datasets';
import { calcMetric, concatFeatureSets, frechetDistance, gaussianStats, kernelInceptionDistance, toFeatureSet, type FeatureSet } from '@semstyle/metrics';
import { listPngs, pngBatches } from '../image-folder.js';

export const EVALUATE_HELP = `  semstyle evaluate --real DIR [--checkpoint CKPT] [--num N] [--batch B] [--truncation T] [--seed S] [--swap-pairs P] [--backend wasm|cpu] [--threads N]
                 quality of a face model on the synthetic-faces domain: FID/KID on the attribute classifier's
                 features against held-out real faces (with the real-vs-real floor), mIoU of the generator's
                 masks against the face parser's labels of its images, each class's share of the final and
                 coarse masks; with --swap-pairs P (e.g. 64), how local each region's edit is: its codes
                 swapped between P face pairs, share of the pixel change outside it (edit_locality, parser masks)`;

/** What `evaluateFaceModel` measures. FID/KID use the shipped attribute classifier's 128-d embedding. */
export interface FaceModelEvaluation {
  /** Images per side: fake vs real half A, and real half B vs real half A (same sizes, so the figures compare). */
  readonly samplesPerSide: number;
  readonly fid: number;
  /** FID of the two real halves against each other: what a perfect generator would score at this sample size. */
  readonly fidFloor: number;
  readonly kid: number;
  readonly kidFloor: number;
  /**
   * Generator's own mask (argmax of its segmentation) vs the parser's labels of the generated image. Its
   * ceiling is the parser's own accuracy on real faces (its evaluation.json; not computed here).
   */
  readonly maskMeanIoU: number;
  readonly maskPixelAccuracy: number;
  readonly maskIoUPerClass: Record<string, number | null>;
  /**
   * Share of pixels per class: in the generator's final masks (argmax of its segmentation), in its coarse
   * masks (argmax of the fused softmax weights m, at the local generators' grid: which region's own codes
   * draw each pixel), in the parser's reading of the generated images, and in its reading of the real faces
   * (half A). A region absent from the coarse masks cannot be edited on its own, even if the image draws
   * it or the final mask (refined by the render net) labels it.
   */
  readonly classShare: {
    readonly generator: Record<string, number>;
    readonly generatorCoarse: Record<string, number>;
    readonly parserOnGenerated: Record<string, number>;
    readonly parserOnReal: Record<string, number>;
  };
  /**
   * With `swapPairs` > 0: each region's (not the background's) shape and texture codes swapped with another
   * face's over `pairs` pairs (`edit_locality` of @semstyle/metrics, judged on the face parser's masks, which
   * see a region drawn inside its neighbour's texture where the generator's own masks would not): the share of
   * the pixel change outside the region, as the mean of each pair's share and pooled over the pairs.
   */
  readonly regionSwap?: RegionSwapLocality;
  readonly truncation: number;
  readonly seed: number;
  readonly seconds: number;
}

export interface RegionSwapLocality {
  readonly pairs: number;
  readonly outsideFraction: Record<string, number>;
  readonly pooledOutsideFraction: Record<string, number>;
}

export interface EvaluateFaceModelOptions {
  readonly generator: SemanticStyleGAN;
  /** Held-out real faces (PNG, generator-sized); the first 2·num are used, split into halves A and B. */
  readonly realFiles: readonly string[];
  /** Images per side (default 1000; needs 2·num real files). */
  readonly num?: number;
  readonly batchSize?: number;
  readonly truncation?: number;
  /** Seed of the generated latents (default 0). */
  readonly seed?: number;
  /** Face pairs for the code-swap locality (`regionSwap`); default 0: not measured. */
  readonly swapPairs?: number;
  readonly classifier?: AttributeClassifier;
  readonly parser?: FaceParser;
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

/** The parser's labels of `images` at their own resolution (its logits are resized before the argmax). */
function parseLabels(parser: FaceParser, images: tf.Tensor4D): tf.Tensor {
  return tf.tidy(() => {
    const logits = parser.logits(images);
    const [h, w] = [images.shape[1], images.shape[2]];
    const sized = logits.shape[1] === h && logits.shape[2] === w ? logits : tf.image.resizeBilinear(logits, [h, w]);
    return tf.argMax(sized, 3);
  });
}

/** Pixels per class over many label arrays. */
class ClassTally {
  readonly counts: Float64Array;
  constructor(classes: number) {
    this.counts = new Float64Array(classes);
  }
  add(labels: ArrayLike<number>): void {
    for (let i = 0; i < labels.length; i++) this.counts[labels[i]!]!++;
  }
  shares(names: readonly string[]): Record<string, number> {
    const total = this.counts.reduce((a, b) => a + b, 0);
    return Object.fromEntries(names.map((name, c) => [name, total > 0 ? this.counts[c]! / total : 0]));
  }
}

async function features(classifier: AttributeClassifier, images: tf.Tensor4D): Promise<Float32Array> {
  const f = classifier.embed(images);
  try {
    return (await f.data()) as Float32Array;
  } finally {
    f.dispose();
  }
}

/** Per-batch feature rows (each a multiple of d values) as one feature set. */
function featureSet(rows: Float32Array[], d: number): FeatureSet {
  return concatFeatureSets(rows.map((data) => toFeatureSet({ data, n: data.length / d, d })));
}

/** Code-swap locality of every region but the background, on the parser's masks (pairs from Z seeds `seed`…). */
async function swapLocality(g: SemanticStyleGAN, parser: FaceParser, pairs: number, truncation: number, seed: number): Promise<RegionSwapLocality> {
  const regions = g.regions.slice(1);
  const r = await calcMetric('edit_locality', {
    generator: g,
    num: pairs,
    seed,
    regions,
    parser: (images) => parser.logits(images),
    ...(truncation === 1 ? {} : { truncation }),
  });
  const per = (key: string) => Object.fromEntries(regions.map((k) => [k, r.values[`${key}/${k}`]!]));
  return { pairs, outsideFraction: per('outside_fraction'), pooledOutsideFraction: per('pooled_outside_fraction') };
}

/**
 * Quality of a 13-class face generator on the synthetic-faces domain (the model card's figures). The
 * generator's region order must be the CelebAMask-HQ convention the parser predicts.
 */
export async function evaluateFaceModel(options: EvaluateFaceModelOptions): Promise<FaceModelEvaluation> {
  const started = performance.now();
  const g = options.generator;
  const num = options.num ?? 1000;
  const batch = options.batchSize ?? 16;
  const truncation = options.truncation ?? 1;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(num) || num < 2) throw new InputError('E_INVALID_ARGUMENT', `num must be an integer ≥ 2 (got ${num}).`);
  if (!Number.isInteger(batch) || batch < 1) throw new InputError('E_INVALID_ARGUMENT', `batchSize must be a positive integer (got ${batch}).`);
  const swapPairs = options.swapPairs ?? 0;
  if (!Number.isInteger(swapPairs) || swapPairs < 0) throw new InputError('E_INVALID_ARGUMENT', `swapPairs must be a non-negative integer (got ${swapPairs}).`);
  if (options.realFiles.length < 2 * num) {
    throw new InputError('E_INVALID_ARGUMENT', `Need ${2 * num} real images (two halves of ${num}); the folder has ${options.realFiles.length}. Lower --num.`);
  }
  const names = g.regions;
  if (names.length !== FACE_REGIONS.length || names.some((n, i) => n !== FACE_REGIONS[i])) {
    throw new ConfigError('E_CONFIG', `The face parser predicts the ${FACE_REGIONS.length} face classes (${FACE_REGIONS.join(', ')}); this generator's regions are ${names.join(', ')}.`);
  }
  const classifier = options.classifier ?? (await loadAttributeClassifier());
  const parser = options.parser ?? (await loadFaceParser());
  const d = classifier.embeddingDim;
  try {
    const real: Float32Array[][] = [[], []];
    const realTally = new ClassTally(FACE_REGIONS.length);
    let done = 0;
    for await (const images of pngBatches(options.realFiles.slice(0, 2 * num), g.resolution, batch)) {
      try {
        const f = await features(classifier, images);
        const n = images.shape[0];
        // Rows before `num` go to half A, the rest to half B (a batch may straddle the boundary).
        const splitAt = Math.max(0, Math.min(n, num - done));
        if (splitAt > 0) {
          real[0]!.push(f.subarray(0, splitAt * d));
          const labels = parseLabels(parser, images);
          const values = await labels.data();
          labels.dispose();
          realTally.add(values.subarray(0, splitAt * images.shape[1] * images.shape[2]));
        }
        if (splitAt < n) real[1]!.push(f.subarray(splitAt * d));
        done += n;
      } finally {
        images.dispose();
      }
      options.onProgress?.('real', done, 2 * num);
    }

    const fake: Float32Array[] = [];
    const confusion = new ConfusionMatrix(FACE_REGIONS.length);
    const ownTally = new ClassTally(FACE_REGIONS.length);
    const coarseTally = new ClassTally(FACE_REGIONS.length);
    const parsedTally = new ClassTally(FACE_REGIONS.length);
    for (let start = 0; start < num; start += batch) {
      const n = Math.min(batch, num - start);
      // One seed per batch (derived from `seed` and the batch start): results depend on seed and batch size.
      const latent = g.sampleWPlus(n, seed * 1_000_003 + start, { truncation });
      const out = g.synthesize(latent);
      latent.tensor.dispose();
      // Clamped as when written to PNG, so fake and real images reach the networks in the same range.
      const image = tf.clipByValue(out.image, -1, 1) as tf.Tensor4D;
      try {
        fake.push(await features(classifier, image));
        // The parser reads at 64×64; its logits are resized to the generator's resolution before the argmax.
        const own = tf.argMax(out.seg, 3);
        const coarse = tf.argMax(out.masks, 3);
        const parsed = parseLabels(parser, image);
        const [ownLabels, coarseLabels, parsedLabels] = await Promise.all([own.data(), coarse.data(), parsed.data()]);
        tf.dispose([own, coarse, parsed]);
        // Truth = the parser's reading of the image; prediction = the generator's own mask.
        confusion.add(ownLabels, parsedLabels);
        ownTally.add(ownLabels);
        coarseTally.add(coarseLabels);
        parsedTally.add(parsedLabels);
      } finally {
        tf.dispose([image, out.image, out.seg, out.segCoarse, out.depths, out.masks]);
      }
      options.onProgress?.('generated', start + n, num);
    }

    const regionSwap = swapPairs > 0 ? await swapLocality(g, parser, swapPairs, truncation, seed) : undefined;
    const realA = featureSet(real[0]!, d);
    const realB = featureSet(real[1]!, d);
    const fakeSet = featureSet(fake, d);
    const [sA, sB, sF] = [gaussianStats(realA, 'real A'), gaussianStats(realB, 'real B'), gaussianStats(fakeSet, 'generated')];
    const kidOptions = { maxSubsetSize: Math.min(1000, num) };
    const scores = confusion.scores();
    return {
      samplesPerSide: num,
      fid: frechetDistance(sA, sF),
      fidFloor: frechetDistance(sA, sB),
      kid: kernelInceptionDistance(realA, fakeSet, kidOptions).kid,
      kidFloor: kernelInceptionDistance(realA, realB, kidOptions).kid,
      maskMeanIoU: scores.meanIoU,
      maskPixelAccuracy: scores.pixelAccuracy,
      maskIoUPerClass: Object.fromEntries(FACE_REGIONS.map((name, c) => [name, Number.isNaN(scores.iou[c]!) ? null : scores.iou[c]!])),
      classShare: {
        generator: ownTally.shares(FACE_REGIONS),
        generatorCoarse: coarseTally.shares(FACE_REGIONS),
        parserOnGenerated: parsedTally.shares(FACE_REGIONS),
        parserOnReal: realTally.shares(FACE_REGIONS),
      },
      ...(regionSwap ? { regionSwap } : {}),
      truncation,
      seed,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    if (!options.classifier) classifier.dispose();
    if (!options.parser) parser.dispose();
  }
}

/** `semstyle evaluate …`: print the evaluation as one JSON line. */
export async function runEvaluate(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      checkpoint: { type: 'string' },
      real: { type: 'string' },
      num: { type: 'string' },
      batch: { type: 'string' },
      truncation: { type: 'string' },
      seed: { type: 'string' },
      'swap-pairs': { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
    },
    strict: true,
  });
  if (!values.real) throw new InputError('E_INVALID_ARGUMENT', 'evaluate needs --real DIR (held-out real faces, e.g. data/faces64-heldout/images).');
  const int = (name: string, raw: string | undefined) => {
    if (raw === undefined) return undefined;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < 0) throw new InputError('E_INVALID_ARGUMENT', `--${name} must be a non-negative integer (got ${raw}).`);
    return v;
  };
  const truncation = values.truncation === undefined ? undefined : Number(values.truncation);
  if (truncation !== undefined && !(truncation >= 0 && truncation <= 1)) throw new InputError('E_INVALID_ARGUMENT', `--truncation must be in [0, 1] (got ${values.truncation}).`);
  const backend = (values.backend ?? 'wasm') as BackendName;
  const threads = int('threads', values.threads);
  await initBackend(backend, backend === 'wasm' ? { threads: threads || (await defaultWasmThreads()) } : {});
  const realFiles = await listPngs(values.real);
  const generator = await loadGenerator(values.checkpoint);
  try {
    const num = int('num', values.num);
    const batchSize = int('batch', values.batch);
    const seed = int('seed', values.seed);
    const swapPairs = int('swap-pairs', values['swap-pairs']);
    const result = await evaluateFaceModel({
      generator,
      realFiles,
      ...(num !== undefined ? { num } : {}),
      ...(batchSize !== undefined ? { batchSize } : {}),
      ...(truncation !== undefined ? { truncation } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(swapPairs !== undefined ? { swapPairs } : {}),
      onProgress: (stage, done, total) => {
        if (process.stderr.isTTY) process.stderr.write(`\r${stage} ${done}/${total}   `);
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(JSON.stringify({ checkpoint: values.checkpoint ?? 'default', ...result }));
  } finally {
    generator.dispose();
  }
}
