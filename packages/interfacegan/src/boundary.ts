import { InputError, LatentSpaceError, regionSlots, SeededRandom, type CodeKind, type LatentSpace } from '@semstyle/core';
import { DIRECTION_FORMAT, latentDim, type Direction } from './direction.js';
import type { LatentSamples } from './samples.js';
import { svmDecision, trainLinearSvm, type LinearSvmModel, type LinearSvmOptions } from './svm.js';

export interface BoundaryOptions {
  /** Attribute name recorded in the direction (default: the score's name, or "attribute"). */
  readonly attribute?: string;
  /** Fraction of the valid samples taken from the top (positives) and from the bottom (negatives); default 0.02. The count is capped at ⌊N/2⌋. */
  readonly fraction?: number;
  /** Share of each class used for training, the rest for validation (default 0.7). */
  readonly trainFraction?: number;
  /** Seed of the train/validation split and of the solver (default 0). */
  readonly seed?: number;
  /** Linear SVM settings (C = 1 by default, as InterFaceGAN's scikit-learn SVC). */
  readonly svm?: LinearSvmOptions;
  /**
   * W+ only — a region-restricted boundary: train on the codes of these regions only (W+ slots from core's
   * `regionSlots`), zero elsewhere, so an edit along it cannot touch any other code.
   */
  readonly regions?: readonly string[];
  /** Which codes of `regions` (default both shape and texture). */
  readonly kinds?: readonly CodeKind[];
  /** Also train on the shared coarse codes (default false). */
  readonly coarse?: boolean;
  /** Explicit W+ slots instead of (or in addition to) regions. */
  readonly slots?: readonly number[];
}

/** A trained boundary with what the protocol did (the direction alone carries the essentials in `info`). */
export interface BoundaryResult<S extends LatentSpace> {
  readonly direction: Direction<S>;
  readonly svm: LinearSvmModel;
  /** Sample indices of the positives and negatives, each split into train and validation. */
  readonly split: {
    readonly positiveTrain: number[];
    readonly positiveValidation: number[];
    readonly negativeTrain: number[];
    readonly negativeValidation: number[];
  };
  /** Samples whose score was not finite (skipped). */
  readonly numInvalid: number;
  /** Score thresholds: lowest positive, highest negative. */
  readonly thresholds: { readonly positive: number; readonly negative: number };
}

function resolveScores(samples: LatentSamples, scores: string | ArrayLike<number>): { values: ArrayLike<number>; name: string | null } {
  if (typeof scores === 'string') {
    const values = samples.scores[scores];
    if (values === undefined) {
      throw new InputError('E_INVALID_ARGUMENT', `No score "${scores}" in the samples (have: ${Object.keys(samples.scores).join(', ') || 'none'}).`);
    }
    return { values, name: scores };
  }
  return { values: scores, name: null };
}

/** The W+ slots a restricted boundary trains on (sorted, unique), or null for all codes. */
function selectedSlots(samples: LatentSamples, options: BoundaryOptions): number[] | null {
  const restricted = options.regions !== undefined || options.slots !== undefined || options.coarse === true;
  if (!restricted) return null;
  if (samples.space !== 'w+') {
    throw new LatentSpaceError(`A region-restricted boundary needs W+ samples, got ${samples.space.toUpperCase()}.`, {
      details: { space: samples.space },
    });
  }
  const { layout } = samples;
  const set = new Set<number>();
  if (options.regions !== undefined) {
    if (options.regions.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'regions must name at least one region.');
    for (const s of regionSlots(layout, options.regions, options.kinds ?? ['shape', 'texture'])) set.add(s);
  }
  if (options.coarse === true) for (let i = 0; i < layout.baseLayers; i++) set.add(i);
  for (const s of options.slots ?? []) {
    if (!Number.isInteger(s) || s < 0 || s >= layout.nLatent) throw new InputError('E_INVALID_ARGUMENT', `W+ slot ${s} out of range [0, ${layout.nLatent}).`);
    set.add(s);
  }
  if (set.size === 0) throw new InputError('E_INVALID_ARGUMENT', 'The restriction selects no W+ slot.');
  return [...set].sort((a, b) => a - b);
}

/**
 * InterFaceGAN's boundary training (`train_boundary`): drop invalid (non-finite) scores, sort by score,
 * take the top and bottom `fraction` (default 2%, at most ⌊N/2⌋ each) as positives and negatives, split each
 * 70/30 into train and validation (seeded shuffle), fit a linear SVM (hinge loss, C = 1) and return its unit
 * normal n = coef/‖coef‖ with offset b/‖coef‖ (the intercept and ‖coef‖ are kept in `info`), and the train
 * and validation accuracies.
 *
 * Errors: too few samples for the fraction (no validation sample left) → E_NOT_ENOUGH_SAMPLES (saying how
 * many are needed); constant scores, or ties between the top and bottom sets → E_INVALID_ARGUMENT;
 * scores of the wrong length → E_SHAPE; a region restriction on Z/W samples → LatentSpaceError.
 */
export function trainBoundaryDetailed<S extends LatentSpace>(
  samples: LatentSamples<S>,
  scores: string | ArrayLike<number>,
  options: BoundaryOptions = {},
): BoundaryResult<S> {
  const { values, name } = resolveScores(samples, scores);
  const N = samples.n;
  if (values.length !== N) throw new InputError('E_SHAPE', `Got ${values.length} scores for ${N} samples.`, { details: { scores: values.length, samples: N } });
  const dim = latentDim(samples.space, samples.styleDim, samples.layout);
  if (samples.latents.length !== N * dim) {
    throw new InputError('E_SHAPE', `Samples hold ${samples.latents.length} values, expected ${N} × ${dim}.`);
  }
  const fraction = options.fraction ?? 0.02;
  if (!(fraction > 0 && fraction <= 1)) throw new InputError('E_INVALID_ARGUMENT', `fraction must be in (0, 1], got ${fraction}.`);
  const trainFraction = options.trainFraction ?? 0.7;
  if (!(trainFraction > 0 && trainFraction < 1)) throw new InputError('E_INVALID_ARGUMENT', `trainFraction must be in (0, 1), got ${trainFraction}.`);
  const seed = options.seed ?? 0;
  const slots = selectedSlots(samples, options);

  const valid: number[] = [];
  for (let i = 0; i < N; i++) if (Number.isFinite(values[i]!)) valid.push(i);
  const numInvalid = N - valid.length;
  const nValid = valid.length;
  const chosen = Math.min(Math.floor(nValid * fraction), Math.floor(nValid / 2));
  const numTrain = Math.floor(chosen * trainFraction);
  const numVal = chosen - numTrain;
  if (numTrain < 1 || numVal < 1) {
    // Smallest chosen count c with ⌊c·t⌋ ≥ 1 and c − ⌊c·t⌋ ≥ 1, then the N that gives it.
    let c = 2;
    while (Math.floor(c * trainFraction) < 1 || c - Math.floor(c * trainFraction) < 1) c++;
    const needed = Math.max(2 * c, Math.ceil(c / fraction - 1e-9));
    throw new InputError(
      'E_NOT_ENOUGH_SAMPLES',
      `Too few samples: ${nValid} valid score(s) with fraction ${fraction} give ${chosen} positive(s) and negative(s), which cannot be split ${Math.round(trainFraction * 100)}/${Math.round((1 - trainFraction) * 100)} into train and validation. Need at least ${needed} valid samples (or a larger fraction).`,
      { details: { valid: nValid, invalid: numInvalid, fraction, chosen, needed } },
    );
  }
  const order = valid.slice().sort((a, b) => values[b]! - values[a]! || a - b);
  const positives = order.slice(0, chosen);
  const negatives = order.slice(nValid - chosen);
  const lowestPositive = values[positives[chosen - 1]!]!;
  const highestNegative = values[negatives[0]!]!;
  if (!(lowestPositive > highestNegative)) {
    const constant = values[order[0]!]! === values[order[nValid - 1]!]!;
    throw new InputError(
      'E_INVALID_ARGUMENT',
      constant
        ? `All ${nValid} valid scores are equal (${values[order[0]!]}): there is nothing to separate.`
        : `The top and bottom ${chosen} scores overlap (lowest positive ${lowestPositive} ≤ highest negative ${highestNegative}): too many ties; use a smaller fraction or finer scores.`,
      { details: { chosen, lowestPositive, highestNegative } },
    );
  }

  const rng = new SeededRandom(seed);
  const shuffle = (a: number[]) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const pos = shuffle(positives.slice());
  const neg = shuffle(negatives.slice());
  const split = {
    positiveTrain: pos.slice(0, numTrain),
    positiveValidation: pos.slice(numTrain),
    negativeTrain: neg.slice(0, numTrain),
    negativeValidation: neg.slice(numTrain),
  };

  const D = samples.styleDim;
  const featureDim = slots === null ? dim : slots.length * D;
  const features = (rows: number[]) => {
    const data = new Float64Array(rows.length * featureDim);
    rows.forEach((r, i) => {
      if (slots === null) {
        const src = samples.latents.subarray(r * dim, (r + 1) * dim);
        for (let j = 0; j < dim; j++) data[i * featureDim + j] = src[j]!;
      } else {
        slots.forEach((slot, k) => {
          const src = samples.latents.subarray(r * dim + slot * D, r * dim + (slot + 1) * D);
          for (let j = 0; j < D; j++) data[i * featureDim + k * D + j] = src[j]!;
        });
      }
    });
    return { data, rows: rows.length, cols: featureDim };
  };
  const labelsOf = (p: number, q: number) => [...Array<number>(p).fill(1), ...Array<number>(q).fill(-1)];
  const train = features([...split.positiveTrain, ...split.negativeTrain]);
  const trainLabels = labelsOf(numTrain, numTrain);
  const svm = trainLinearSvm(train, trainLabels, { seed, ...options.svm });
  const accuracy = (x: ReturnType<typeof features>, labels: number[]) => {
    const d = svmDecision(svm, x);
    let right = 0;
    for (let i = 0; i < labels.length; i++) if ((d[i]! > 0 ? 1 : -1) === labels[i]) right++;
    return right / labels.length;
  };
  const val = features([...split.positiveValidation, ...split.negativeValidation]);
  const trainAccuracy = accuracy(train, trainLabels);
  const validationAccuracy = accuracy(val, labelsOf(numVal, numVal));

  let s = 0;
  for (let j = 0; j < featureDim; j++) s += svm.weights[j]! * svm.weights[j]!;
  const coefNorm = Math.sqrt(s);
  if (!(coefNorm > 1e-12)) throw new InputError('E_INVALID_ARGUMENT', 'The SVM found no direction (‖coef‖ = 0): the scores carry no linear signal.');
  const normal = new Float32Array(dim);
  if (slots === null) for (let j = 0; j < dim; j++) normal[j] = svm.weights[j]! / coefNorm;
  else slots.forEach((slot, k) => { for (let j = 0; j < D; j++) normal[slot * D + j] = svm.weights[k * D + j]! / coefNorm; });

  const regions = slots === null ? null : options.regions !== undefined ? [...options.regions] : [];
  const direction: Direction<S> = {
    format: DIRECTION_FORMAT,
    space: samples.space,
    styleDim: D,
    ...(samples.space === 'w+' ? { layout: samples.layout } : {}),
    normal,
    offset: svm.intercept / coefNorm,
    info: {
      attribute: options.attribute ?? name ?? 'attribute',
      regions,
      kinds: slots === null ? null : options.regions !== undefined ? [...(options.kinds ?? ['shape', 'texture'])] : [],
      slots,
      accuracy: { train: trainAccuracy, validation: validationAccuracy },
      numSamples: nValid,
      fraction,
      numPerClass: chosen,
      numTrainPerClass: numTrain,
      seed,
      C: options.svm?.C ?? 1,
      intercept: svm.intercept,
      coefNorm,
      truncation: samples.truncation,
      generatorHash: samples.generatorHash,
      conditionedOn: [],
    },
  };
  return { direction, svm, split, numInvalid, thresholds: { positive: lowestPositive, negative: highestNegative } };
}

/** `trainBoundaryDetailed(...).direction`: the boundary as a `Direction` (accuracy in `info.accuracy`). */
export function trainBoundary<S extends LatentSpace>(samples: LatentSamples<S>, scores: string | ArrayLike<number>, options: BoundaryOptions = {}): Direction<S> {
  return trainBoundaryDetailed(samples, scores, options).direction;
}
