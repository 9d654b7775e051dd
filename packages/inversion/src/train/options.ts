import { InputError, type NoiseMode } from '@semstyle/core';
import type { PerceptualDistance } from '../losses/perceptual.js';

/** Loss weights of encoder training (ReStyle / pSp names; 0 switches a term off). */
export interface EncoderLossWeights {
  /** Pixel L2 (pSp `l2_lambda`, 1). */
  readonly l2: number;
  /** Perceptual distance (pSp `lpips_lambda`, 0.8) — with the distance of `perceptual`, not LPIPS. */
  readonly perceptual: number;
  /** Identity distance (pSp `id_lambda`; 0 unless an identity network is given). */
  readonly identity: number;
  /** pSp's w-norm ‖w − w̄‖ (0). */
  readonly wNorm: number;
  /** Latent MSE to the ground-truth W+ (generated images only; 1). */
  readonly latent: number;
}

export interface EncoderTrainingOptions {
  /** ReStyle passes per training step; the loss is applied at every pass (default 5). */
  readonly iterations: number;
  readonly batchSize: number;
  /** Adam (ReStyle uses Ranger at 1e-4; semstyle uses core's exact Adam). */
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weights: EncoderLossWeights;
  /** Perceptual distance (default `pixelPyramidDistance()`; null: none). */
  readonly perceptual: PerceptualDistance | null;
  /** Identity distance (e.g. `loadFaceApiIdentityDistance()` from ./node); null: none. */
  readonly identity: PerceptualDistance | null;
  readonly noise: NoiseMode;
  /** Generated data: truncation ψ of the sampled latents (1 = none) and per-region style-mixing probability. */
  readonly truncation: number;
  readonly regionMixing: number;
  /** Seed of the generated latents (step s uses its own seeded draw, so a resumed run sees the same data). */
  readonly seed: number;
}

export const DEFAULT_ENCODER_TRAINING: Omit<EncoderTrainingOptions, 'perceptual' | 'identity'> = Object.freeze({
  iterations: 5,
  batchSize: 4,
  lr: 1e-4,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weights: Object.freeze({ l2: 1, perceptual: 0.8, identity: 0.1, wNorm: 0, latent: 1 }),
  noise: 'const',
  truncation: 1,
  regionMixing: 0.5,
  seed: 0,
});

export type EncoderTrainingInput = Partial<Omit<EncoderTrainingOptions, 'weights'>> & { readonly weights?: Partial<EncoderLossWeights> };

export function resolveEncoderTraining(o: EncoderTrainingInput = {}, defaults: { perceptual: PerceptualDistance | null }): EncoderTrainingOptions {
  const defined = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as EncoderTrainingInput;
  const r: EncoderTrainingOptions = {
    ...DEFAULT_ENCODER_TRAINING,
    perceptual: defaults.perceptual,
    identity: null,
    ...defined,
    weights: { ...DEFAULT_ENCODER_TRAINING.weights, ...(o.weights ?? {}) },
  };
  const check = (ok: boolean, m: string) => {
    if (!ok) throw new InputError('E_INVALID_ARGUMENT', m);
  };
  check(Number.isInteger(r.iterations) && r.iterations >= 1, `iterations must be a positive integer (got ${r.iterations}).`);
  check(Number.isInteger(r.batchSize) && r.batchSize >= 1, `batchSize must be a positive integer (got ${r.batchSize}).`);
  check(r.lr > 0 && Number.isFinite(r.lr), `lr must be positive (got ${r.lr}).`);
  check(r.beta1 >= 0 && r.beta1 < 1 && r.beta2 >= 0 && r.beta2 < 1, 'betas must be in [0, 1).');
  for (const [k, v] of Object.entries(r.weights)) check(Number.isFinite(v) && v >= 0, `loss weight ${k} must be ≥ 0 (got ${v}).`);
  check(r.truncation > 0 && r.truncation <= 1, `truncation must be in (0, 1] (got ${r.truncation}).`);
  check(r.regionMixing >= 0 && r.regionMixing <= 1, `regionMixing must be in [0, 1] (got ${r.regionMixing}).`);
  return r;
}

/** The JSON-serialisable part (networks are code). */
export function serializableTraining(o: EncoderTrainingOptions): Record<string, unknown> {
  const { perceptual, identity, ...rest } = o;
  return { ...rest, perceptual: perceptual?.id ?? null, identity: identity?.id ?? null };
}
