import * as tf from '@tensorflow/tfjs';
import { InputError, type NoiseMode, type SemanticGeneratorV1, type WPlusLatent } from '@semstyle/core';
import { assertFingerprint, asDifferentiable, wplusOf, type DifferentiableGenerator } from './generator.js';
import type { ReStyleEncoder } from './encoder/restyle-encoder.js';

export const DEFAULT_RESTYLE_ITERATIONS = 5;

export interface RestyleOptions {
  /** Encoder passes N (default 5). */
  readonly iterations?: number;
  /** Render-net noise (default 'const'). */
  readonly noise?: NoiseMode;
  /** Keep every pass's latent and reconstruction (default false: only the last). */
  readonly keepIntermediate?: boolean;
}

export interface RestyleResult {
  readonly latent: WPlusLatent;
  readonly reconstruction: tf.Tensor4D;
  /** Per-pass MSE to the target, mean over the batch (length N). */
  readonly losses: number[];
  /** Per-pass, per-image MSE [N passes][batch]. */
  readonly lossesPerImage: number[][];
  /** With `keepIntermediate`: every pass's latent and reconstruction (owned by the caller). */
  readonly intermediate?: ReadonlyArray<{ latent: WPlusLatent; reconstruction: tf.Tensor4D }>;
}

/** The ReStyle starting point: the mean W broadcast to W+ [n, nLatent, D], and G(w̄) [n, R, R, 3]. */
export function restyleStart(g: DifferentiableGenerator, n: number, noise: NoiseMode): { latent: tf.Tensor3D; image: tf.Tensor4D } {
  const mean = g.meanW();
  try {
    return tf.tidy(() => {
      const w = tf.tile(tf.expandDims(mean.tensor, 1), [n, g.layout.nLatent, 1]) as tf.Tensor3D;
      const out = g.forward(tf.slice(w, [0, 0, 0], [1, -1, -1]) as tf.Tensor3D, { noise });
      const image = tf.tile(out.image, [n, 1, 1, 1]) as tf.Tensor4D;
      return { latent: w, image };
    });
  } finally {
    mean.tensor.dispose();
  }
}

export function checkIterations(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new InputError('E_INVALID_ARGUMENT', `iterations must be a positive integer (got ${n}).`);
  return n;
}

/**
 * ReStyle inference: w₀ = w̄, ŷ₀ = G(w̄); for t = 1…N: wₜ = wₜ₋₁ + E(x ⊕ ŷₜ₋₁), ŷₜ = G(wₜ) (each pass sees
 * the previous reconstruction, detached). `targets` [N, R, R, 3] in [−1, 1] (see `prepareImages`).
 */
export function restyleInvert(generator: SemanticGeneratorV1, encoder: ReStyleEncoder, targets: tf.Tensor4D, options: RestyleOptions = {}): RestyleResult {
  const g = asDifferentiable(generator, 'ReStyle inversion');
  assertFingerprint(encoder.config.generator, g);
  const iterations = checkIterations(options.iterations ?? DEFAULT_RESTYLE_ITERATIONS);
  const noise = options.noise ?? 'const';
  const n = targets.shape[0];
  let { latent, image } = restyleStart(g, n, noise);
  const losses: number[] = [];
  const lossesPerImage: number[][] = [];
  const intermediate: Array<{ latent: WPlusLatent; reconstruction: tf.Tensor4D }> = [];
  try {
    for (let t = 0; t < iterations; t++) {
      const next = tf.tidy(() => {
        const { delta } = encoder.forward(tf.concat([targets, image], 3) as tf.Tensor4D);
        const w = tf.add(latent, delta) as tf.Tensor3D;
        const out = g.forward(w, { noise });
        return { w, img: out.image, mse: tf.mean(tf.squaredDifference(out.image, targets), [1, 2, 3]) };
      });
      const per = Array.from(next.mse.dataSync());
      next.mse.dispose();
      lossesPerImage.push(per);
      losses.push(per.reduce((a, b) => a + b, 0) / per.length);
      if (options.keepIntermediate) intermediate.push({ latent: wplusOf(g, tf.clone(next.w)), reconstruction: tf.clone(next.img) });
      tf.dispose([latent, image]);
      latent = next.w;
      image = next.img;
    }
  } catch (e) {
    tf.dispose([latent, image]);
    for (const i of intermediate) tf.dispose([i.latent.tensor, i.reconstruction]);
    throw e;
  }
  return {
    latent: wplusOf(g, latent),
    reconstruction: image,
    losses,
    lossesPerImage,
    ...(options.keepIntermediate ? { intermediate } : {}),
  };
}
