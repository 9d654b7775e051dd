import * as tf from '@tensorflow/tfjs';
import type { GeneratorConfig } from '../contract/config.js';

/**
 * Fusion of the K local generators at the coarse resolution:
 * m = softmax_k(d_k); an optional composition mask switches regions off and renormalises; transparent
 * classes keep their raw weight while the others are renormalised among themselves; f = Σ_k w_k f_k.
 */
export interface FusionOutput {
  /** Masks m [K, N, P] (after the composition mask, before the transparency reweighting). */
  readonly masks: tf.Tensor3D;
  /** Fused feature [N, P, coarseChannel]. */
  readonly feature: tf.Tensor3D;
}

export function fuse(
  config: GeneratorConfig,
  depths: tf.Tensor3D,
  features: tf.Tensor4D,
  /** [N, K], 1 keeps a region. */
  compositionMask?: tf.Tensor2D,
): FusionOutput {
  return tf.tidy(() => {
    const K = config.segDim;
    // Softmax over the region axis (0), max-shifted as torch does.
    const exp = tf.exp(tf.sub(depths, tf.max(depths, 0, true)));
    let masks = tf.div(exp, tf.sum(exp, 0, true)) as tf.Tensor3D;
    if (compositionMask !== undefined) {
      masks = tf.mul(masks, tf.expandDims(tf.transpose(compositionMask), 2));
      masks = tf.div(masks, tf.add(tf.sum(masks, 0, true), 1e-8));
    }
    let weights: tf.Tensor3D = masks;
    if (config.transparentDims.length > 0) {
      const transparent = new Float32Array(K);
      for (const k of config.transparentDims) transparent[k] = 1;
      const opaque = transparent.map((t) => 1 - t);
      const opaqueMasks = tf.mul(masks, tf.tensor3d(opaque, [K, 1, 1]));
      const normalised = tf.div(opaqueMasks, tf.add(tf.sum(opaqueMasks, 0, true), 1e-8));
      weights = tf.add(normalised, tf.mul(masks, tf.tensor3d(transparent, [K, 1, 1])));
    }
    const feature = tf.sum(tf.mul(features, tf.expandDims(weights, 3)), 0) as tf.Tensor3D;
    return { masks, feature };
  });
}
