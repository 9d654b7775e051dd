import * as tf from '@tensorflow/tfjs';
import { InputError, type NoiseMode, type SemanticGeneratorV1, type WPlusLatent } from '@semstyle/core';
import { editLocality } from '@semstyle/metrics';
import { classIndices, runScorers, type Scorer } from './scorers.js';

/** How an edit did on a batch of latents: attribute change by the scorer, locality by `@semstyle/metrics`. */
export interface EditEvaluation {
  /** Mean score before and after (over images whose scores are finite both times). */
  readonly scoreBefore: number;
  readonly scoreAfter: number;
  /** Mean of the per-image score change after − before (NaN when no image has finite scores). */
  readonly scoreChange: number;
  /** Per image (NaN where a score was not finite). */
  readonly scoreChangePerImage: readonly number[];
  /** Share of images (with finite scores) whose score went up. */
  readonly shareIncreased: number;
  /** `editLocality`: mean share of Σ|Δpixel| outside the regions' masks (union before/after); 0 = perfectly local. */
  readonly outsideFraction: number;
  readonly outsideFractionPerImage: readonly number[];
  /** `editLocality`: mean IoU before/after of the other classes' masks. */
  readonly meanIou: number;
  /** Mean Euclidean distance moved in W+ (all slots flattened). */
  readonly latentDistance: number;
}

export interface EditEvaluatorOptions {
  /** The attribute's scorer (higher = more of it). */
  readonly scorer: Scorer;
  /** The attribute's regions: R of the locality metric. */
  readonly regions: readonly string[];
  /** Images per synthesis call (default 8). */
  readonly batchSize?: number;
  /** Noise of the renders (default the generator's: 'const', so only the latent change shows). */
  readonly noise?: NoiseMode;
}

/** Renders a fixed batch once, then scores any edit of it (see `createEditEvaluator`). */
export interface EditEvaluator {
  /** Number of latents. */
  readonly n: number;
  /** Scores of the unedited latents. */
  readonly scoresBefore: Float32Array;
  /** Render `after` (an edit of the same latents, same order), score it and measure locality against the unedited renders. */
  evaluate(after: WPlusLatent): Promise<EditEvaluation>;
  /** Release the cached renders. */
  dispose(): void;
}

interface Renders {
  readonly images: tf.Tensor4D;
  readonly seg: tf.Tensor4D;
  readonly scores: Float32Array;
}

async function render(generator: SemanticGeneratorV1, latent: WPlusLatent, scorer: Scorer, batchSize: number, noise: NoiseMode | undefined): Promise<Renders> {
  const n = latent.tensor.shape[0];
  const images: tf.Tensor4D[] = [];
  const segs: tf.Tensor4D[] = [];
  const scores = new Float32Array(n);
  try {
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const part: WPlusLatent = { ...latent, tensor: tf.slice(latent.tensor, [start, 0, 0], [count, -1, -1]) };
      const out = (() => {
        try {
          return generator.synthesize(part, noise === undefined ? {} : { noise });
        } finally {
          part.tensor.dispose();
        }
      })();
      const { image, seg, ...rest } = out;
      tf.dispose(Object.values(rest));
      images.push(image);
      segs.push(seg);
      const masks = tf.softmax(seg) as tf.Tensor4D;
      try {
        scores.set((await runScorers({ score: scorer }, { images: image, masks, regions: generator.regions }, count)).score!, start);
      } finally {
        masks.dispose();
      }
    }
    return { images: tf.concat(images, 0), seg: tf.concat(segs, 0), scores };
  } finally {
    tf.dispose([...images, ...segs]);
  }
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Evaluate edits of a fixed batch of W+ latents — InterFaceGAN, StyleFlow or any other: the unedited
 * latents are rendered and scored once; `evaluate(after)` renders the edited ones and reports the mean
 * attribute change by `scorer` and the edit's locality for the attribute's `regions`
 * (`@semstyle/metrics`' `editLocality`: share of |Δpixel| outside the regions' masks, IoU of the other
 * classes), plus the distance moved in W+. The input latent is not disposed; call `dispose()` when done.
 */
export async function createEditEvaluator(generator: SemanticGeneratorV1, before: WPlusLatent, options: EditEvaluatorOptions): Promise<EditEvaluator> {
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError('E_INVALID_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}.`);
  if (before?.space !== 'w+') throw new InputError('E_INVALID_ARGUMENT', 'createEditEvaluator takes W+ latents.');
  const editedClasses = [...classIndices(generator.regions, options.regions)];
  const latent: WPlusLatent = { ...before, tensor: before.tensor.clone() };
  let base: Renders;
  try {
    base = await render(generator, latent, options.scorer, batchSize, options.noise);
  } catch (e) {
    latent.tensor.dispose();
    throw e;
  }
  const n = latent.tensor.shape[0];
  let disposed = false;
  return {
    n,
    scoresBefore: base.scores,
    async evaluate(after: WPlusLatent): Promise<EditEvaluation> {
      if (disposed) throw new InputError('E_INVALID_ARGUMENT', 'This edit evaluator was disposed.');
      if (after?.space !== 'w+' || !tf.util.arraysEqual(after.tensor.shape, latent.tensor.shape)) {
        throw new InputError('E_SHAPE', `The edited latents must be W+ [${latent.tensor.shape.join(', ')}], got ${after?.space} [${after?.tensor?.shape?.join(', ')}].`);
      }
      const edited = await render(generator, after, options.scorer, batchSize, options.noise);
      try {
        const locality = editLocality({ before: base.images, after: edited.images, segBefore: base.seg, segAfter: edited.seg, editedClasses });
        const perImage: number[] = [];
        const finiteBefore: number[] = [];
        const finiteAfter: number[] = [];
        for (let i = 0; i < n; i++) {
          const a = base.scores[i]!;
          const b = edited.scores[i]!;
          if (Number.isFinite(a) && Number.isFinite(b)) {
            perImage.push(b - a);
            finiteBefore.push(a);
            finiteAfter.push(b);
          } else perImage.push(Number.NaN);
        }
        const changes = perImage.filter(Number.isFinite);
        const distance = tf.tidy(() => tf.mean(tf.norm(tf.reshape(tf.sub(after.tensor, latent.tensor), [n, -1]), 'euclidean', 1)));
        const latentDistance = (await distance.data())[0]!;
        distance.dispose();
        return {
          scoreBefore: mean(finiteBefore),
          scoreAfter: mean(finiteAfter),
          scoreChange: mean(changes),
          scoreChangePerImage: perImage,
          shareIncreased: changes.length === 0 ? Number.NaN : changes.filter((c) => c > 0).length / changes.length,
          outsideFraction: locality.outsideFraction,
          outsideFractionPerImage: locality.outsideFractionPerImage,
          meanIou: locality.meanIou,
          latentDistance,
        };
      } finally {
        tf.dispose([edited.images, edited.seg]);
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose([latent.tensor, base.images, base.seg]);
    },
  };
}

export interface CalibrationOptions {
  /** First strength tried (default 1). */
  readonly initial?: number;
  /** Largest strength tried (default 64); the search doubles from `initial` up to it. */
  readonly max?: number;
  /** Stop when |value − target| ≤ tolerance · target (default 0.05). */
  readonly tolerance?: number;
  /** At most this many evaluations (default 12). */
  readonly maxEvaluations?: number;
}

export interface CalibrationStep<T> {
  readonly strength: number;
  readonly value: number;
  readonly result: T;
}

export interface Calibration<T> {
  /** The strength whose value came closest to the target, its value and full result. */
  readonly strength: number;
  readonly value: number;
  readonly result: T;
  /** Whether that value is within the tolerance of the target. */
  readonly reached: boolean;
  /** Every evaluation, in order. */
  readonly steps: readonly CalibrationStep<T>[];
}

/**
 * Find the edit strength s > 0 at which `value(evaluate(s))` — e.g. the mean attribute change of an edit
 * of strength s — equals `target` (> 0), for value(0) = 0 and value increasing in s (as for edits along a
 * direction, or StyleFlow attribute deltas): double s from `initial` until the target is bracketed (or
 * `max` is reached), then regula falsi (clamped to the inner 80 % of the bracket) until within `tolerance`
 * or `maxEvaluations`. Returns the closest evaluation; `reached` says whether it is within tolerance. This is
 * how edits of different directions are compared at *equal attribute change*. Evaluations that throw
 * propagate.
 */
export async function calibrateStrength<T>(
  evaluate: (strength: number) => Promise<T>,
  value: (result: T) => number,
  target: number,
  options: CalibrationOptions = {},
): Promise<Calibration<T>> {
  const initial = options.initial ?? 1;
  const max = options.max ?? 64;
  const tolerance = options.tolerance ?? 0.05;
  const maxEvaluations = options.maxEvaluations ?? 12;
  if (!(target > 0) || !Number.isFinite(target)) throw new InputError('E_INVALID_ARGUMENT', `target must be a positive number, got ${target}.`);
  if (!(initial > 0) || !(max >= initial) || !Number.isFinite(max)) {
    throw new InputError('E_INVALID_ARGUMENT', `Need 0 < initial ≤ max < ∞, got initial ${initial}, max ${max}.`);
  }
  if (!(tolerance > 0)) throw new InputError('E_INVALID_ARGUMENT', `tolerance must be positive, got ${tolerance}.`);
  if (!Number.isInteger(maxEvaluations) || maxEvaluations < 1) throw new InputError('E_INVALID_ARGUMENT', `maxEvaluations must be a positive integer, got ${maxEvaluations}.`);

  const steps: CalibrationStep<T>[] = [];
  const within = (v: number) => Math.abs(v - target) <= tolerance * target;
  const run = async (s: number) => {
    const result = await evaluate(s);
    const v = value(result);
    steps.push({ strength: s, value: v, result });
    return v;
  };
  let lo = { s: 0, v: 0 };
  let hi: { s: number; v: number } | null = null;
  // 1. Bracket by doubling.
  for (let s = initial; steps.length < maxEvaluations; s = Math.min(2 * s, max)) {
    const v = await run(s);
    if (within(v)) break;
    if (v > target) {
      hi = { s, v };
      break;
    }
    if (Number.isFinite(v)) lo = { s, v };
    if (s >= max) break;
  }
  // 2. Regula falsi inside [lo, hi].
  while (hi !== null && steps.length < maxEvaluations && !within(steps[steps.length - 1]!.value)) {
    const width = hi.s - lo.s;
    const t = hi.v > lo.v ? (target - lo.v) / (hi.v - lo.v) : 0.5;
    const s = lo.s + width * Math.min(0.9, Math.max(0.1, t));
    const v = await run(s);
    if (!Number.isFinite(v) || v > target) hi = { s, v: Number.isFinite(v) ? v : hi.v };
    else lo = { s, v };
  }
  const finite = steps.filter((st) => Number.isFinite(st.value));
  const best = (finite.length > 0 ? finite : steps).reduce((a, b) => (Math.abs(b.value - target) < Math.abs(a.value - target) ? b : a));
  return { strength: best.strength, value: best.value, result: best.result, reached: within(best.value), steps };
}

/** One way of editing a fixed batch of latents by a strength (an InterFaceGAN direction, a StyleFlow attribute delta, …). */
export interface EditMethod {
  readonly name: string;
  /** The edited latents at `strength` (a new latent: it is disposed after evaluation). */
  edit(strength: number): WPlusLatent | Promise<WPlusLatent>;
  /** Search settings for this method (its strengths may live on another scale). */
  readonly calibration?: CalibrationOptions;
}

export interface EqualChangeComparison {
  /** The target asked for. */
  readonly requestedTarget: number;
  /**
   * The common mean score change every method was calibrated to: the requested one, or lower when some
   * method could not reach it within its `max` strength (then the highest such a method reached).
   */
  readonly target: number;
  /** Per method: the calibration to `target` (its `result` is the evaluation at the chosen strength). */
  readonly methods: Readonly<Record<string, Calibration<EditEvaluation>>>;
  /** Methods that never increased the score (best mean change ≤ 0); they do not lower the common target. */
  readonly failed: readonly string[];
}

/**
 * Compare edit methods **at equal attribute change**: calibrate each method's strength (`calibrateStrength`)
 * so that the mean score change of the evaluator's latents equals `target`; when a method cannot reach it,
 * lower the common target to what that method reached and calibrate every method to that. Evaluations are
 * cached per (method, strength), so recalibration costs only new strengths. `onStep` reports every new
 * evaluation.
 */
export async function compareAtEqualChange(
  evaluator: EditEvaluator,
  methods: readonly EditMethod[],
  target: number,
  options: CalibrationOptions & { readonly onStep?: (method: string, strength: number, evaluation: EditEvaluation) => void } = {},
): Promise<EqualChangeComparison> {
  if (methods.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'compareAtEqualChange needs at least one method.');
  if (new Set(methods.map((m) => m.name)).size !== methods.length) throw new InputError('E_INVALID_ARGUMENT', 'Edit method names must be distinct.');
  const { onStep, ...defaults } = options;
  const caches = new Map(methods.map((m) => [m.name, new Map<number, EditEvaluation>()]));
  const calibrate = (m: EditMethod, t: number) =>
    calibrateStrength(
      async (s) => {
        const cache = caches.get(m.name)!;
        const hit = cache.get(s);
        if (hit !== undefined) return hit;
        const edited = await m.edit(s);
        try {
          const e = await evaluator.evaluate(edited);
          cache.set(s, e);
          onStep?.(m.name, s, e);
          return e;
        } finally {
          edited.tensor.dispose();
        }
      },
      (e) => e.scoreChange,
      t,
      { ...defaults, ...m.calibration },
    );
  const results: Record<string, Calibration<EditEvaluation>> = {};
  for (const m of methods) results[m.name] = await calibrate(m, target);
  const failed = methods.filter((m) => !(results[m.name]!.value > 0)).map((m) => m.name);
  const short = methods.filter((m) => !failed.includes(m.name) && !results[m.name]!.reached && results[m.name]!.value < target);
  let common = target;
  for (const m of short) common = Math.min(common, results[m.name]!.value);
  if (common < target) for (const m of methods) if (!failed.includes(m.name)) results[m.name] = await calibrate(m, common);
  return { requestedTarget: target, target: common, methods: results, failed };
}
