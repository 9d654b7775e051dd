import type * as tf from '@tensorflow/tfjs';

/**
 * Latents are tagged with their space so that a Z latent passed where a W latent is expected fails to
 * compile. The tensor inside is owned by whoever owns the latent object (dispose it with `tf.dispose`).
 *
 * - Z: the Gaussian input of the mapping network, [N, styleDim].
 * - W: the mapping network's output, one code per sample, [N, styleDim].
 * - W+: one code per slot, [N, nLatent, styleDim]; slots are laid out by `layout`.
 */
export interface ZLatent {
  readonly space: 'z';
  readonly tensor: tf.Tensor2D;
}

export interface WLatent {
  readonly space: 'w';
  readonly tensor: tf.Tensor2D;
}

export interface WPlusLatent {
  readonly space: 'w+';
  readonly tensor: tf.Tensor3D;
  readonly layout: LatentLayout;
}

export type Latent = ZLatent | WLatent | WPlusLatent;
export type LatentSpace = Latent['space'];

/** Which of a region's two codes: `shape` drives the depth (mask) layers, `texture` the rest. */
export type CodeKind = 'shape' | 'texture';

/** Names one W+ slot: a shared coarse code, or a region's shape / texture code. */
export type CodeAddress =
  | { readonly kind: 'coarse'; readonly index: number }
  | { readonly kind: CodeKind; readonly region: string };

/**
 * Where each code lives in W+: slots [coarse_0 … coarse_{B-1}, shape_0, texture_0, shape_1, texture_1, …],
 * exactly the official order.
 */
export interface LatentLayout {
  readonly styleDim: number;
  readonly baseLayers: number;
  readonly regionNames: readonly string[];
  /** base_layers + 2K. */
  readonly nLatent: number;
}
