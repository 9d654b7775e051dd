import * as tf from '@tensorflow/tfjs';
import { Adam, InputError, SeededRandom, type NoiseMode, type SemanticGeneratorV1, type WPlusLatent } from '@semstyle/core';
import { asDifferentiable, wplusOf } from '../generator.js';
import { resolvePerceptual, type PerceptualDistance } from '../losses/perceptual.js';
import { latentPrior, weightedMse } from '../losses/reconstruction.js';
import { regionIndices, regionWeight, slotSelector, type RegionMask } from '../masked.js';
import { PROJECTOR_SCHEDULE, projectorStep, type ProjectorSchedule } from './schedule.js';
import { wStatistics } from './w-stats.js';

export interface OptimizeLossWeights {
  readonly mse: number;
  readonly perceptual: number;
  /** Latent prior: mean squared distance of the codes to the mean W. */
  readonly prior: number;
}

export interface OptimizeOptions {
  /** 'w': one code broadcast to every slot; 'w+' (default): one code per slot. */
  readonly mode?: 'w' | 'w+';
  /** Optimisation steps (default 1000, as projector.py). */
  readonly steps?: number;
  readonly schedule?: Partial<ProjectorSchedule>;
  readonly weights?: Partial<OptimizeLossWeights>;
  /** Default `pixelPyramidDistance()`; null: none. */
  readonly perceptual?: PerceptualDistance | null;
  /** Starting latent (default: the mean W broadcast to W+), e.g. a ReStyle result. Not disposed. */
  readonly start?: WPlusLatent;
  /** Reconstruct only these regions (loss weighted by the generator's mask of them; W+ only). */
  readonly mask?: RegionMask;
  /** Z samples for w_std (default 10 000) and their seed. */
  readonly wStdSamples?: number;
  readonly seed?: number;
  readonly noise?: NoiseMode;
  readonly onStep?: (info: { step: number; steps: number; loss: number; mse: number; lr: number }) => void;
}

export interface OptimizeResult {
  readonly latent: WPlusLatent;
  readonly reconstruction: tf.Tensor4D;
  /** Total loss and (masked) MSE per step (mean over the batch), length `steps`. */
  readonly losses: number[];
  readonly mse: number[];
  /** The pixel weights of a masked inversion [N, R, R, 1] (owned by the caller), else undefined. */
  readonly weight?: tf.Tensor4D;
}

const DEFAULT_WEIGHTS: OptimizeLossWeights = { mse: 1, perceptual: 1, prior: 0.3 };

/**
 * Optimisation inversion in W or W+ with the StyleGAN2 projector's recipe: Adam (β = 0.9, 0.999) with the
 * ramped learning rate and decaying Gaussian latent noise (w_std · 0.05 · (1 − t/0.75)²); loss = MSE +
 * perceptual + prior. The noise buffers of the render net are not optimised (noise = 'const').
 *
 * Masked: the pixel loss is weighted by the union of the generator's soft mask of the chosen regions at
 * the starting latent and at the previous step (detached), and — by default — only those regions' codes move.
 */
export function optimizeLatent(generator: SemanticGeneratorV1, targets: tf.Tensor4D, options: OptimizeOptions = {}): OptimizeResult {
  const g = asDifferentiable(generator, 'Optimisation inversion');
  const steps = options.steps ?? 1000;
  if (!Number.isInteger(steps) || steps < 1) throw new InputError('E_INVALID_ARGUMENT', `steps must be a positive integer (got ${steps}).`);
  const mode = options.mode ?? 'w+';
  if (mode !== 'w' && mode !== 'w+') throw new InputError('E_INVALID_ARGUMENT', `mode must be 'w' or 'w+' (got ${String(mode)}).`);
  if (options.mask && mode !== 'w+') throw new InputError('E_INVALID_ARGUMENT', "A masked inversion optimises region codes: use mode 'w+'.");
  const weights = { ...DEFAULT_WEIGHTS, ...(options.weights ?? {}) };
  const perceptual = resolvePerceptual(options.perceptual);
  const schedule = { ...PROJECTOR_SCHEDULE, ...(options.schedule ?? {}) };
  const noise = options.noise ?? 'const';
  const n = targets.shape[0];
  const { nLatent, styleDim: D } = g.layout;
  if (options.start && (options.start.tensor.shape[1] !== nLatent || options.start.tensor.shape[2] !== D)) {
    throw new InputError('E_SHAPE', `start latent is [${options.start.tensor.shape.join(', ')}], expected [N, ${nLatent}, ${D}].`);
  }
  const regions = options.mask ? regionIndices(g.layout, options.mask.regions) : undefined;
  const { mean, std } = wStatistics(g, options.wStdSamples ?? 10_000, options.seed ?? 123);
  const rng = new SeededRandom(options.seed ?? 0);

  // The starting point and the optimised variable.
  const start = tf.tidy(() =>
    options.start
      ? (tf.broadcastTo(options.start.tensor, [n, nLatent, D]) as tf.Tensor3D)
      : (tf.tile(tf.expandDims(mean, 1), [n, nLatent, 1]) as tf.Tensor3D),
  );
  const init = tf.tidy(() => (mode === 'w' ? tf.mean(start, 1) : tf.clone(start)));
  const variable = tf.variable(init, true);
  init.dispose();
  const selector = options.mask && (options.mask.regionCodesOnly ?? true) ? slotSelector(g.layout, options.mask.regions) : undefined;
  const toWPlus = (v: tf.Tensor): tf.Tensor3D => {
    const wp = mode === 'w' ? (tf.tile(tf.expandDims(v, 1), [1, nLatent, 1]) as tf.Tensor3D) : (v as tf.Tensor3D);
    return selector ? (tf.add(tf.mul(start, tf.sub(1, selector)), tf.mul(wp, selector)) as tf.Tensor3D) : wp;
  };
  let initialWeight: tf.Tensor4D | undefined;
  let prevWeight: tf.Tensor4D | undefined;
  if (regions) {
    initialWeight = tf.tidy(() => regionWeight(g.forward(start, { noise }).masks, regions, g.resolution));
    prevWeight = tf.clone(initialWeight);
  }
  let adam: Adam | undefined;
  const losses: number[] = [];
  const mseLog: number[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const { lr, noiseScale } = projectorStep(step, steps, std, schedule);
      const wNoise = tf.tensor(rng.normalArray(variable.size), variable.shape);
      let mse: tf.Scalar | undefined;
      let nextMask: tf.Tensor4D | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const noisy = tf.add(variable, tf.mul(wNoise, noiseScale));
        const wp = toWPlus(noisy);
        const out = g.forward(wp, { noise });
        const weight = regions ? (tf.maximum(initialWeight!, prevWeight!) as tf.Tensor4D) : undefined;
        if (regions) nextMask = tf.keep(regionWeight(tf.clone(out.masks) as tf.Tensor4D, regions, g.resolution));
        const m = tf.mean(weightedMse(out.image, targets, weight));
        mse = tf.keep(tf.clone(m)) as tf.Scalar;
        let total: tf.Tensor = tf.mul(m, weights.mse);
        if (perceptual && weights.perceptual > 0) {
          const a = weight ? tf.mul(out.image, weight) : out.image;
          const b = weight ? tf.mul(targets, weight) : targets;
          total = tf.add(total, tf.mul(tf.mean(perceptual.distance(a as tf.Tensor4D, b as tf.Tensor4D)), weights.perceptual));
        }
        if (weights.prior > 0) total = tf.add(total, tf.mul(tf.mean(latentPrior(toWPlus(variable), mean)), weights.prior));
        return total as tf.Scalar;
      }, [variable]);
      wNoise.dispose();
      // projector.py: Adam whose lr changes every step — a fresh core Adam with the previous state.
      const next = new Adam({ lr: Math.max(lr, 0), beta1: 0.9, beta2: 0.999, eps: 1e-8 }, [['w', variable]]);
      if (adam) {
        next.setState(adam.state);
        adam.dispose();
      }
      adam = next;
      adam.step(new Map([['w', grads[variable.name]!]]));
      tf.dispose(Object.values(grads));
      losses.push(value.dataSync()[0]!);
      mseLog.push(mse!.dataSync()[0]!);
      tf.dispose([value, mse!]);
      if (nextMask) {
        prevWeight?.dispose();
        prevWeight = nextMask;
      }
      options.onStep?.({ step, steps, loss: losses[step]!, mse: mseLog[step]!, lr });
    }
    const final = tf.tidy(() => toWPlus(variable).clone());
    const reconstruction = tf.tidy(() => g.forward(final, { noise }).image);
    const weight = regions ? (tf.maximum(initialWeight!, prevWeight!) as tf.Tensor4D) : undefined;
    return { latent: wplusOf(g, final), reconstruction, losses, mse: mseLog, ...(weight ? { weight } : {}) };
  } finally {
    adam?.dispose();
    tf.dispose([variable, mean, start, ...(selector ? [selector] : []), ...(initialWeight ? [initialWeight] : []), ...(prevWeight ? [prevWeight] : [])]);
  }
}
