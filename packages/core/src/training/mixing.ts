import * as tf from '@tensorflow/tfjs';
import type { GeneratorConfig } from '../contract/config.js';
import type { SeededRandom } from '../latent/random.js';

/**
 * Style mixing as train.py (`mixing_noise` + the generator's `mix_styles`): with probability `prob` two Z
 * are drawn, otherwise one. With two: the coarse codes come from w1; per region and per sample the
 * (shape, texture) pair is drawn uniformly from {(w1,w1), (w1,w2), (w2,w2)}, never (w2 shape, w1 texture).
 */
export interface MixingPlan {
  readonly batch: number;
  /** Z of the first latent, [batch·D] row-major. */
  readonly z1: Float32Array;
  /** Z of the second latent when mixing, else undefined. */
  readonly z2?: Float32Array;
  /**
   * Per sample and region (index n·K + k): 0 = (w1, w1), 1 = (w1 shape, w2 texture), 2 = (w2, w2).
   * All 0 when not mixing.
   */
  readonly choices: Uint8Array;
}

/** Draw a plan from the seeded stream (order: mixing coin, z1, z2, choices). */
export function sampleMixingPlan(rng: SeededRandom, batch: number, styleDim: number, segDim: number, prob: number): MixingPlan {
  const mix = prob > 0 && rng.uniform() < prob;
  const z1 = rng.normalArray(batch * styleDim);
  const choices = new Uint8Array(batch * segDim);
  if (!mix) return { batch, z1, choices };
  const z2 = rng.normalArray(batch * styleDim);
  for (let i = 0; i < choices.length; i++) choices[i] = Math.min(2, Math.floor(rng.uniform() * 3));
  return { batch, z1, z2, choices };
}

/**
 * Which latent each W+ slot reads, [N, nLatent] (0: w1, 1: w2): coarse slots 0; region k's shape slot is
 * 1 for choice 2; its texture slot is 1 for choices 1 and 2.
 */
export function mixingSelector(config: Pick<GeneratorConfig, 'baseLayers' | 'segDim'>, plan: MixingPlan): Uint8Array {
  const { baseLayers: B, segDim: K } = config;
  const nLatent = B + 2 * K;
  const sel = new Uint8Array(plan.batch * nLatent);
  if (plan.z2 === undefined) return sel;
  for (let n = 0; n < plan.batch; n++) {
    for (let k = 0; k < K; k++) {
      const c = plan.choices[n * K + k]!;
      sel[n * nLatent + B + 2 * k] = c === 2 ? 1 : 0;
      sel[n * nLatent + B + 2 * k + 1] = c >= 1 ? 1 : 0;
    }
  }
  return sel;
}

/**
 * Mixed W+ [N, nLatent, D] from w1 (and w2) [N, D] and a plan. Differentiable in w1, w2; values are
 * exact copies of the rows they come from.
 */
export function mixStyles(config: Pick<GeneratorConfig, 'baseLayers' | 'segDim'>, w1: tf.Tensor2D, w2: tf.Tensor2D | undefined, plan: MixingPlan): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, d] = w1.shape;
    const nLatent = config.baseLayers + 2 * config.segDim;
    const a = tf.tile(tf.expandDims(w1, 1), [1, nLatent, 1]) as tf.Tensor3D;
    if (w2 === undefined || plan.z2 === undefined) return a;
    const b = tf.tile(tf.expandDims(w2, 1), [1, nLatent, 1]);
    const sel = tf.tensor3d(mixingSelector(config, plan), [n, nLatent, 1], 'bool');
    return tf.where(tf.tile(sel, [1, 1, d]), b, a) as tf.Tensor3D;
  });
}

/** Map a plan's Z through `map` (a differentiable mapping network) and mix: W+ [N, nLatent, D]. */
export function mixedWPlus(
  config: Pick<GeneratorConfig, 'baseLayers' | 'segDim' | 'styleDim'>,
  map: (z: tf.Tensor2D) => tf.Tensor2D,
  plan: MixingPlan,
): tf.Tensor3D {
  return tf.tidy(() => {
    const z1 = tf.tensor2d(plan.z1, [plan.batch, config.styleDim]);
    const w1 = map(z1);
    const w2 = plan.z2 === undefined ? undefined : map(tf.tensor2d(plan.z2, [plan.batch, config.styleDim]));
    return mixStyles(config, w1, w2, plan);
  });
}
