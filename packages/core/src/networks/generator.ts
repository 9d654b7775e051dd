import * as tf from '@tensorflow/tfjs';
import type { GeneratorConfig } from '../contract/config.js';
import type { NoiseMode } from '../contract/generator-v1.js';
import { expansionIndices } from '../latent/layout.js';
import { fuse } from './fusion.js';
import { localGeneratorParamSpecs, localGeneratorsForward, stackLocalParams, type StackedLocalParams } from './local-generators.js';
import { mappingParamSpecs } from './mapping.js';
import type { ParameterStore, ParamSpec } from './parameters.js';
import { renderNetForward, renderNetParamSpecs } from './render-net.js';

/** Every parameter and buffer of the generator, in the official state-dict naming (no `g_ema.` prefix). */
export function generatorParamSpecs(config: GeneratorConfig): ParamSpec[] {
  return [...localGeneratorParamSpecs(config), ...renderNetParamSpecs(config), ...mappingParamSpecs(config)];
}

export interface GeneratorForwardOptions {
  readonly noise: NoiseMode;
  readonly noiseSeed?: number;
  /** [N, K] composition mask. */
  readonly compositionMask?: tf.Tensor2D;
  /** Pre-stacked local parameters (cached for inference); computed from `params` when omitted. */
  readonly stacked?: StackedLocalParams;
  /** Receives named intermediates (kept tensors the receiver must dispose): for parity tests. */
  readonly trace?: (name: string, tensor: tf.Tensor) => void;
  /**
   * The latent input is already expanded to the per-layer styles [N, K·L, D] (e.g. for the path-length
   * regulariser, which differentiates with respect to them). Default false: W+ [N, nLatent, D].
   */
  readonly expandedInput?: boolean;
}

/** All NHWC. */
export interface GeneratorForwardOutput {
  readonly [name: string]: tf.Tensor;
  readonly image: tf.Tensor4D;
  readonly seg: tf.Tensor4D;
  readonly segCoarse: tf.Tensor4D;
  readonly depths: tf.Tensor4D;
  readonly masks: tf.Tensor4D;
  /** Per-layer styles [N, K·L, D]. */
  readonly latentsExpanded: tf.Tensor3D;
}

/** Expand W+ [N, nLatent, D] to the K·L per-layer styles [N, K·L, D]. */
export function expandLatents(config: GeneratorConfig, wplus: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => tf.gather(wplus, tf.tensor1d(expansionIndices(config), 'int32'), 1));
}

/** [K, N, P] (or [K, N, P, 1]) region-major → NHWC [N, s, s, K]. */
function regionMajorToNhwc(x: tf.Tensor, size: number): tf.Tensor4D {
  const [k, n] = x.shape as [number, number];
  return tf.transpose(tf.reshape(x, [k, n, size, size]), [1, 2, 3, 0]);
}

/**
 * W+ → image, segmentation, coarse masks and depths: local generators → fusion → render net. With
 * `expandedInput`, `wplus` is the already-expanded [N, K·L, D] per-layer styles.
 */
export function generatorForward(
  config: GeneratorConfig,
  params: ParameterStore,
  wplus: tf.Tensor3D,
  options: GeneratorForwardOptions,
): GeneratorForwardOutput {
  return tf.tidy(() => {
    const n = wplus.shape[0];
    const cs = config.coarseSize;
    const latentsExpanded = options.expandedInput ? tf.clone(wplus) : expandLatents(config, wplus);
    const stacked = options.stacked ?? stackLocalParams(config, params);
    const local = localGeneratorsForward(config, stacked, latentsExpanded);
    const fused = fuse(config, local.depths, local.features, options.compositionMask);
    const feature = tf.reshape(fused.feature, [n, cs, cs, config.coarseChannel]) as tf.Tensor4D;
    const masks = regionMajorToNhwc(fused.masks, cs);
    const segCoarse = tf.sub(tf.mul(masks, 2), 1) as tf.Tensor4D;
    if (options.trace) {
      options.trace('pos_embed', tf.keep(tf.reshape(stacked.positionFeatures, [cs, cs, -1])));
      options.trace('local_feats', tf.keep(local.features));
      options.trace('feat_coarse', tf.keep(feature));
    }
    const { image, seg } = renderNetForward(config, params, feature, {
      noise: options.noise,
      ...(options.noiseSeed === undefined ? {} : { noiseSeed: options.noiseSeed }),
      segCoarse,
      ...(options.trace
        ? {
            onStage: (size: number, rgb: tf.Tensor4D, s: tf.Tensor4D) => {
              options.trace!(`render_rgb_${size}`, rgb);
              options.trace!(`render_seg_${size}`, s);
            },
          }
        : {}),
    });
    return { image, seg, segCoarse, depths: regionMajorToNhwc(local.depths, cs), masks, latentsExpanded };
  });
}
