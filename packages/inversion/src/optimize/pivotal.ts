import * as tf from '@tensorflow/tfjs';
import { Adam, InputError, type NoiseMode, type SemanticGeneratorV1, type WPlusLatent } from '@semstyle/core';
import { asTunable } from '../generator.js';
import { resolvePerceptual, type PerceptualDistance } from '../losses/perceptual.js';

export interface PivotalTuningOptions {
  /** Steps (default 350, PTI's `max_pti_steps`). */
  readonly steps?: number;
  /** Adam learning rate (default 3e-4, PTI's `pti_learning_rate`). */
  readonly lr?: number;
  readonly weights?: { readonly mse?: number; readonly perceptual?: number };
  /** Default `pixelPyramidDistance()`; null: none. */
  readonly perceptual?: PerceptualDistance | null;
  /** Keep the tuned weights in the generator (default false: restored bit-exactly afterwards). */
  readonly keep?: boolean;
  readonly noise?: NoiseMode;
  readonly onStep?: (info: { step: number; steps: number; loss: number; mse: number }) => void;
}

export interface PivotalTuningResult {
  /** Reconstruction by the tuned generator (owned by the caller). */
  readonly reconstruction: tf.Tensor4D;
  readonly losses: number[];
  readonly mse: number[];
  /** Whether the generator still holds the tuned weights. */
  readonly kept: boolean;
}

/**
 * Pivotal tuning (Roich et al. 2021): with the latent fixed (the pivot), optimise the generator's trainable
 * weights so that G(pivot) matches the targets. Unless `keep`, every tuned variable is restored to its exact
 * previous value afterwards (also when tuning throws).
 */
export function pivotalTune(generator: SemanticGeneratorV1, pivot: WPlusLatent, targets: tf.Tensor4D, options: PivotalTuningOptions = {}): PivotalTuningResult {
  const g = asTunable(generator);
  const steps = options.steps ?? 350;
  if (!Number.isInteger(steps) || steps < 0) throw new InputError('E_INVALID_ARGUMENT', `steps must be a non-negative integer (got ${steps}).`);
  const perceptual = resolvePerceptual(options.perceptual);
  const wMse = options.weights?.mse ?? 1;
  const wPerc = options.weights?.perceptual ?? 1;
  const noise = options.noise ?? 'const';
  const tuned = g.params.entries().filter(([, v]) => v.trainable);
  const snapshot = tuned.map(([, v]) => tf.clone(v));
  const names = new Map(tuned.map(([n, v]) => [v.name, n]));
  const adam = new Adam({ lr: options.lr ?? 3e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, tuned);
  const losses: number[] = [];
  const mseLog: number[] = [];
  let restored = false;
  let completed = false;
  const restore = () => {
    tuned.forEach(([, v], i) => v.assign(snapshot[i]!));
    g.params.touch();
    restored = true;
  };
  try {
    for (let step = 0; step < steps; step++) {
      let mse: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const y = g.forward(pivot.tensor, { noise }).image;
        const m = tf.mean(tf.squaredDifference(y, targets));
        mse = tf.keep(tf.clone(m)) as tf.Scalar;
        let total: tf.Tensor = tf.mul(m, wMse);
        if (perceptual && wPerc > 0) total = tf.add(total, tf.mul(tf.mean(perceptual.distance(y, targets)), wPerc));
        return total as tf.Scalar;
      }, tuned.map(([, v]) => v));
      adam.step(new Map(Object.entries(grads).map(([k, t]) => [names.get(k)!, t])));
      g.params.touch();
      tf.dispose(Object.values(grads));
      losses.push(value.dataSync()[0]!);
      mseLog.push(mse!.dataSync()[0]!);
      tf.dispose([value, mse!]);
      options.onStep?.({ step, steps, loss: losses[step]!, mse: mseLog[step]! });
    }
    const reconstruction = tf.tidy(() => g.forward(pivot.tensor, { noise }).image);
    if (!options.keep) restore();
    completed = true;
    return { reconstruction, losses, mse: mseLog, kept: options.keep === true };
  } finally {
    // A failed run never leaves half-tuned weights behind, even with `keep`.
    if (!restored && (!options.keep || !completed)) restore();
    adam.dispose();
    tf.dispose(snapshot);
  }
}
