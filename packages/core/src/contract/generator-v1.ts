import type * as tf from '@tensorflow/tfjs';
import type { GeneratorConfig } from './config.js';
import type { LatentLayout, WLatent, WPlusLatent, ZLatent } from './latent-types.js';

/**
 * The versioned generator contract that plugins (inversion, InterFaceGAN, StyleFlow, metrics) receive.
 * Plugins program against this interface only, never against core internals, so any implementation —
 * the real SemanticStyleGAN, the tiny testing generator, a remote proxy — works with every plugin.
 *
 * Layout: every image-like tensor is NHWC. Ownership: every tensor returned to the caller belongs to the
 * caller (dispose it, e.g. `tf.dispose(output)`); inputs are never disposed by the generator.
 */
export const GENERATOR_SPEC_V1 = 'semstyle.generator.v1' as const;

/** How the render net's noise inputs are filled. */
export type NoiseMode = 'const' | 'random' | 'none';

export interface SynthesisOptions {
  /**
   * `const` (default): the model's stored noise buffers, so the same latent always gives the same image;
   * `random`: fresh Gaussian noise (seeded by `noiseSeed` when given); `none`: no noise.
   */
  readonly noise?: NoiseMode;
  readonly noiseSeed?: number;
  /**
   * Composition mask [N, K] (1 keeps a region, 0 switches it off), or the names of the regions to keep
   * (applied to every sample). Omitted: all regions.
   */
  readonly compositionMask?: tf.Tensor2D | readonly string[];
  /**
   * Samples rendered per internal pass (results are concatenated; with `const` or `none` noise the
   * values of one pass, up to float32 rounding). Default: as many as fit a 128 MiB activation budget —
   * 1 for the 256 and 512 px face configs, the whole batch for small models. With `random` noise and a
   * `noiseSeed`, chunk c draws its noise from `noiseSeed + c`, so the images depend on the chunk size.
   */
  readonly chunkSize?: number;
}

/** Everything one synthesis call produces. All NHWC, all owned by the caller. */
export interface SynthesisOutput {
  /** Index signature so `tf.dispose(output)` accepts the object. */
  readonly [name: string]: tf.Tensor;
  /** RGB image [N, H, W, 3], roughly in [-1, 1], not clamped. */
  readonly image: tf.Tensor4D;
  /** Final segmentation logits [N, H, W, K]. */
  readonly seg: tf.Tensor4D;
  /** Coarse segmentation 2m − 1 at the local generators' resolution [N, h, w, K]. */
  readonly segCoarse: tf.Tensor4D;
  /** Per-region pseudo-depths [N, h, w, K]; region 0 (background) is exactly 0. */
  readonly depths: tf.Tensor4D;
  /** Per-region soft masks m = softmax_k(depth) [N, h, w, K] (after the composition mask). */
  readonly masks: tf.Tensor4D;
}

export interface MapOptions {
  /** Truncation ψ toward the mean W (1 = none). */
  readonly truncation?: number;
}

export interface SemanticGeneratorV1 {
  readonly specificationVersion: typeof GENERATOR_SPEC_V1;
  readonly config: GeneratorConfig;
  readonly layout: LatentLayout;
  /** Region names, index 0 (background) first. */
  readonly regions: readonly string[];
  /** Output resolution. */
  readonly resolution: number;

  /** Gaussian Z latents [n, styleDim]; the same seed gives the same latents on every backend. */
  sampleZ(n: number, seed: number): ZLatent;
  /** Mapping network Z → W, optionally truncated toward the mean W. */
  map(z: ZLatent, options?: MapOptions): WLatent;
  /** The mean W (cached); used by truncation and as the inversion starting point. */
  meanW(): WLatent;
  /** Broadcast W to every W+ slot. */
  toWPlus(w: WLatent): WPlusLatent;
  /** Render W+ latents. */
  synthesize(latent: WPlusLatent, options?: SynthesisOptions): SynthesisOutput;
  /** Release every tensor the generator holds; later calls throw `E_DISPOSED`. */
  dispose(): void;
}
