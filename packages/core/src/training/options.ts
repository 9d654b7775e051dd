import { InputError } from '../contract/errors.js';
import type { SemanticStyleGAN } from '../model/semantic-stylegan.js';

/** A metric evaluated on the EMA generator every `every` steps; its results go to the progress log. */
export interface TrainingMetricHook {
  readonly every: number;
  readonly name?: string;
  readonly run: (gEma: SemanticStyleGAN) => Promise<Record<string, number>>;
}

/**
 * Everything that shapes a training run, with the official `train.py` defaults. All fields are optional
 * when passed to the Trainer; `resolveTrainingOptions` fills the defaults.
 */
export interface TrainingOptions {
  /** Images per step (official `--batch`, 4 per GPU). */
  readonly batchSize: number;
  /** Base learning rate (before the lazy-regularisation correction). */
  readonly lr: number;
  /** Adam β1, β2 (before the correction) and ε (torch's default 1e-8). */
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** R1 weights γ on the image and segmentation inputs of D. */
  readonly r1Img: number;
  readonly r1Seg: number;
  /** R1 runs when step % dRegEvery === 0 (0 disables R1). */
  readonly dRegEvery: number;
  /** Path-length weight (0 disables), batch shrink, and the decay of the running mean path length. */
  readonly pathRegularize: number;
  readonly pathBatchShrink: number;
  readonly pathDecay: number;
  /** Path-length regularisation runs when step % gRegEvery === 0 (0 disables it). */
  readonly gRegEvery: number;
  /** Weight of the coarse-mask consistency loss. */
  readonly lambdaMask: number;
  /** Probability of style mixing per step. */
  readonly mixing: number;
  /**
   * EMA of G: decay per step = 0.5^(emaImagesPerStep / emaHalfLifeImages). The official run uses
   * 0.5^(32/10 000) whatever the batch: its 32 is the total batch of 8 GPUs × 4, i.e. a half-life of
   * 10 000 images at batch 32 (≈ 312 steps). With `emaImagesPerStep = 32` (default) the decay per step is
   * the official one at any batch size; set it to `batchSize` to make the half-life count real images.
   * `emaDecay` overrides both.
   */
  readonly emaHalfLifeImages: number;
  readonly emaImagesPerStep: number;
  readonly emaDecay?: number;
  /**
   * EMA ramp-up (StyleGAN2-ADA's `ema_rampup`, e.g. 0.05): the half-life is at most this fraction of the
   * images seen so far (counted as `emaImagesPerStep` per step), so G_ema follows G closely early in a run
   * instead of averaging in the random initialisation for thousands of steps. Off by default (the official
   * SemanticStyleGAN recipe has none); ignored when `emaDecay` is given.
   */
  readonly emaRampup?: number;
  /** Noise of the render net during training ('random' as the official training; seeded). */
  readonly noise: 'random' | 'const' | 'none';
  /** Domain adaptation: D sees images only (its segmentation branch is unused and untrained). */
  readonly adaptation: boolean;
  /** Keep the local generators (and their shared position embedding) fixed (typically with `adaptation`). */
  readonly freezeLocal: boolean;
  /** Write sample grids every N steps (0: never). Needs an output folder. */
  readonly sampleEvery: number;
  /** Samples in the grid (fixed Z, seeded by the run seed). */
  readonly sampleCount: number;
  /** Write a checkpoint every N steps (0: never). Needs an output folder. */
  readonly checkpointEvery: number;
  /** Metric hooks run on G_ema. */
  readonly metrics: readonly TrainingMetricHook[];
}

export const DEFAULT_TRAINING_OPTIONS: TrainingOptions = Object.freeze({
  batchSize: 4,
  lr: 0.002,
  beta1: 0,
  beta2: 0.99,
  eps: 1e-8,
  r1Img: 10,
  r1Seg: 1000,
  dRegEvery: 16,
  pathRegularize: 0.5,
  pathBatchShrink: 2,
  pathDecay: 0.01,
  gRegEvery: 4,
  lambdaMask: 100,
  mixing: 0.3,
  emaHalfLifeImages: 10_000,
  emaImagesPerStep: 32,
  noise: 'random',
  adaptation: false,
  freezeLocal: false,
  sampleEvery: 0,
  sampleCount: 16,
  checkpointEvery: 0,
  metrics: [],
});

function check(ok: boolean, message: string): void {
  if (!ok) throw new InputError('E_INVALID_ARGUMENT', message);
}

/** Fill defaults and validate. */
export function resolveTrainingOptions(options: Partial<TrainingOptions> = {}): TrainingOptions {
  const o: TrainingOptions = { ...DEFAULT_TRAINING_OPTIONS, ...stripUndefined(options) };
  const nonNegInt = (v: number) => Number.isInteger(v) && v >= 0;
  check(Number.isInteger(o.batchSize) && o.batchSize >= 1, `batchSize must be a positive integer (got ${o.batchSize}).`);
  check(o.lr > 0 && Number.isFinite(o.lr), `lr must be positive (got ${o.lr}).`);
  check(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1, `betas must be in [0, 1) (got ${o.beta1}, ${o.beta2}).`);
  check(o.eps > 0, `eps must be positive (got ${o.eps}).`);
  for (const key of ['dRegEvery', 'gRegEvery', 'sampleEvery', 'checkpointEvery', 'sampleCount'] as const) {
    check(nonNegInt(o[key]), `${key} must be a non-negative integer (got ${o[key]}).`);
  }
  check(Number.isInteger(o.pathBatchShrink) && o.pathBatchShrink >= 1, `pathBatchShrink must be ≥ 1 (got ${o.pathBatchShrink}).`);
  for (const key of ['r1Img', 'r1Seg', 'pathRegularize', 'lambdaMask', 'pathDecay'] as const) {
    check(Number.isFinite(o[key]) && o[key] >= 0, `${key} must be ≥ 0 (got ${o[key]}).`);
  }
  check(o.mixing >= 0 && o.mixing <= 1, `mixing must be in [0, 1] (got ${o.mixing}).`);
  check(o.emaHalfLifeImages > 0 && o.emaImagesPerStep > 0, 'EMA half-life and images per step must be positive.');
  check(o.emaDecay === undefined || (o.emaDecay >= 0 && o.emaDecay <= 1), `emaDecay must be in [0, 1] (got ${o.emaDecay}).`);
  check(o.emaRampup === undefined || (Number.isFinite(o.emaRampup) && o.emaRampup > 0), `emaRampup must be > 0 (got ${o.emaRampup}).`);
  check(['random', 'const', 'none'].includes(o.noise), `noise must be random, const or none (got ${o.noise}).`);
  for (const m of o.metrics) check(Number.isInteger(m.every) && m.every >= 1, `metric "every" must be a positive integer (got ${m.every}).`);
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface AdamHyperparameters {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

/**
 * Lazy-regularisation correction (StyleGAN2): with a regulariser every `regEvery` steps,
 * c = regEvery / (regEvery + 1), lr·c and betas (β1^c, β2^c). No regulariser (0): c = 1.
 */
export function lazyRegularizedAdam(base: AdamHyperparameters, regEvery: number): AdamHyperparameters {
  const c = regEvery > 0 ? regEvery / (regEvery + 1) : 1;
  return { lr: base.lr * c, beta1: base.beta1 ** c, beta2: base.beta2 ** c, eps: base.eps };
}

/**
 * EMA decay per step from the options (see `TrainingOptions.emaHalfLifeImages`); with `emaRampup`, the
 * decay of the update after `stepsDone` completed steps (this one included).
 */
export function emaDecayFromOptions(
  o: Pick<TrainingOptions, 'emaDecay' | 'emaHalfLifeImages' | 'emaImagesPerStep' | 'emaRampup'>,
  stepsDone?: number,
): number {
  if (o.emaDecay !== undefined) return o.emaDecay;
  let halfLife = o.emaHalfLifeImages;
  if (o.emaRampup !== undefined && stepsDone !== undefined) halfLife = Math.min(halfLife, stepsDone * o.emaImagesPerStep * o.emaRampup);
  return 0.5 ** (o.emaImagesPerStep / Math.max(halfLife, 1e-8));
}

/** The JSON-serialisable part of the options (what a checkpoint records; metric hooks are code). */
export function serializableOptions(o: TrainingOptions): Record<string, unknown> {
  const { metrics: _metrics, ...rest } = o;
  return { ...rest };
}
