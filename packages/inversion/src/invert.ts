import * as tf from '@tensorflow/tfjs';
import { InputError, type NoiseMode, type SemanticGeneratorV1, type WPlusLatent } from '@semstyle/core';
import { asDifferentiable } from './generator.js';
import { prepareImages, type PrepareImageOptions } from './image.js';
import type { ReStyleEncoder } from './encoder/restyle-encoder.js';
import { restyleInvert, type RestyleOptions } from './restyle.js';
import { optimizeLatent, type OptimizeOptions } from './optimize/project.js';
import { pivotalTune, type PivotalTuningOptions } from './optimize/pivotal.js';

export type InvertOptions = PrepareImageOptions &
  (
    | ({ readonly method: 'restyle'; readonly encoder: ReStyleEncoder } & RestyleOptions)
    | ({ readonly method: 'optimize'; readonly pivotal?: PivotalTuningOptions | boolean } & OptimizeOptions)
  );

export interface InversionResult {
  readonly method: 'restyle' | 'optimize';
  /** The inverted latent [N, nLatent, D] (owned by the caller). */
  readonly latent: WPlusLatent;
  /** G(latent) [N, R, R, 3] — after pivotal tuning, by the tuned generator. Owned by the caller. */
  readonly reconstruction: tf.Tensor4D;
  /** The generator's segmentation logits of the reconstruction [N, R, R, K] (untuned generator). Owned by the caller. */
  readonly seg: tf.Tensor4D;
  /** Per-iteration (ReStyle) or per-step (optimisation) total loss, mean over the batch. */
  readonly losses: number[];
  /** Per-iteration / per-step pixel MSE (masked MSE for a masked inversion). */
  readonly mse: number[];
  /** Pivotal tuning's per-step losses, when it ran. */
  readonly pivotalLosses?: number[];
  /** Masked inversion: the final pixel weights [N, R, R, 1] (owned by the caller). */
  readonly weight?: tf.Tensor4D;
}

/**
 * Put real images into W+: `method: 'restyle'` (encoder passes) or `'optimize'` (projector-style
 * optimisation, optionally started from `start`, masked to regions, followed by pivotal tuning).
 * `image` is [H, W, C] or [N, H, W, C] in [−1, 1]; sizes and channels are checked / converted by the
 * `resize` / `channels` options (`E_SHAPE`). The input is not disposed.
 */
export function invert(generator: SemanticGeneratorV1, image: tf.Tensor, options: InvertOptions): InversionResult {
  const g = asDifferentiable(generator, 'Inversion');
  const targets = prepareImages(image, g.resolution, options);
  const noise: NoiseMode = options.noise ?? 'const';
  try {
    if (options.method === 'restyle') {
      const r = restyleInvert(g, options.encoder, targets, options);
      const seg = segOf(g, r.latent, noise);
      return { method: 'restyle', latent: r.latent, reconstruction: r.reconstruction, seg, losses: r.losses, mse: r.losses };
    }
    if (options.method !== 'optimize') throw new InputError('E_INVALID_ARGUMENT', `Unknown inversion method ${JSON.stringify((options as { method: unknown }).method)} (restyle, optimize).`);
    const r = optimizeLatent(g, targets, options);
    const seg = segOf(g, r.latent, noise);
    if (!options.pivotal) return { method: 'optimize', latent: r.latent, reconstruction: r.reconstruction, seg, losses: r.losses, mse: r.mse, ...(r.weight ? { weight: r.weight } : {}) };
    r.reconstruction.dispose();
    const p = pivotalTune(g, r.latent, targets, { noise, ...(options.pivotal === true ? {} : options.pivotal) });
    return {
      method: 'optimize',
      latent: r.latent,
      reconstruction: p.reconstruction,
      seg,
      losses: r.losses,
      mse: r.mse,
      pivotalLosses: p.losses,
      ...(r.weight ? { weight: r.weight } : {}),
    };
  } finally {
    targets.dispose();
  }
}

function segOf(g: ReturnType<typeof asDifferentiable>, latent: WPlusLatent, noise: NoiseMode): tf.Tensor4D {
  const out = g.synthesize(latent, { noise });
  const { seg, ...rest } = out;
  tf.dispose(Object.values(rest));
  return seg;
}
