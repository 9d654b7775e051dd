import * as tf from '@tensorflow/tfjs';
import { Adam, InputError, SeededRandom, type SemanticGeneratorV1 } from '@semstyle/core';
import { assertFingerprint, asDifferentiable, type DifferentiableGenerator } from '../generator.js';
import type { ReStyleEncoder } from '../encoder/restyle-encoder.js';
import { pixelPyramidDistance } from '../losses/perceptual.js';
import { latentMse, wNorm } from '../losses/reconstruction.js';
import { restyleStart } from '../restyle.js';
import { resolveEncoderTraining, type EncoderTrainingInput, type EncoderTrainingOptions } from './options.js';

/** A batch of real images: targets [N, R, R, 3] in [−1, 1] (owned by the trainer once passed to `step`). */
export interface RealBatch {
  readonly images: tf.Tensor4D;
}

export interface EncoderStepResult {
  readonly step: number;
  /** Total loss per ReStyle pass (mean over the batch), length `iterations`. */
  readonly lossPerIteration: number[];
  /** Pixel MSE per pass (mean over the batch). */
  readonly msePerIteration: number[];
  /** Mean over passes of each weighted term's raw value (l2, perceptual, identity, wNorm, latent). */
  readonly parts: Record<string, number>;
  readonly loss: number;
  readonly source: 'generated' | 'real';
  readonly seconds: number;
}

/**
 * ReStyle encoder training against a frozen generator: per step, N passes with the loss applied at every
 * pass (gradients accumulated, inputs of each pass detached as in ReStyle), one Adam update of the
 * encoder's variables only (gradients are taken w.r.t. those; the generator's weights never receive any).
 */
export class EncoderTrainer {
  readonly generator: DifferentiableGenerator;
  readonly encoder: ReStyleEncoder;
  readonly options: EncoderTrainingOptions;
  readonly optimizer: Adam;
  private stepCount = 0;
  private readonly varNames: Map<string, string>;
  private readonly vars: tf.Variable[];

  constructor(generator: SemanticGeneratorV1, encoder: ReStyleEncoder, options: EncoderTrainingInput = {}) {
    this.generator = asDifferentiable(generator, 'Encoder training');
    assertFingerprint(encoder.config.generator, this.generator);
    this.encoder = encoder;
    this.options = resolveEncoderTraining(options, { perceptual: pixelPyramidDistance() });
    const trainable = encoder.trainableVariables();
    this.optimizer = new Adam({ lr: this.options.lr, beta1: this.options.beta1, beta2: this.options.beta2, eps: this.options.eps }, trainable);
    this.vars = trainable.map(([, v]) => v);
    this.varNames = new Map(trainable.map(([n, v]) => [v.name, n]));
  }

  get step(): number {
    return this.stepCount;
  }

  /** Set the step counter (resume). */
  setStep(step: number): void {
    if (!Number.isInteger(step) || step < 0) throw new InputError('E_INVALID_ARGUMENT', `step must be a non-negative integer (got ${step}).`);
    this.stepCount = step;
  }

  /** Ground-truth W+ and images for step `step` (seeded by the options' seed and the step). */
  generatedBatch(step = this.stepCount): { latent: tf.Tensor3D; images: tf.Tensor4D } {
    const g = this.generator;
    const { batchSize: n, truncation, regionMixing, seed, noise } = this.options;
    const base = seed * 1_000_003 + step * 2;
    const za = g.sampleZ(n, base);
    const zb = g.sampleZ(n, base + 1);
    const wa = g.map(za, { truncation });
    const wb = g.map(zb, { truncation });
    tf.dispose([za.tensor, zb.tensor]);
    const { nLatent, baseLayers } = g.layout;
    const K = g.layout.regionNames.length;
    const rng = new SeededRandom(base);
    const select = new Float32Array(n * nLatent);
    for (let i = 0; i < n; i++) {
      if (rng.uniform() >= regionMixing) continue;
      for (let k = 0; k < K; k++) {
        if (rng.uniform() < 0.5) {
          select[i * nLatent + baseLayers + 2 * k] = 1;
          select[i * nLatent + baseLayers + 2 * k + 1] = 1;
        }
      }
    }
    try {
      return tf.tidy(() => {
        const a = tf.tile(tf.expandDims(wa.tensor, 1), [1, nLatent, 1]);
        const b = tf.tile(tf.expandDims(wb.tensor, 1), [1, nLatent, 1]);
        const m = tf.tensor3d(select, [n, nLatent, 1]);
        const latent = tf.add(tf.mul(a, tf.sub(1, m)), tf.mul(b, m)) as tf.Tensor3D;
        return { latent, images: g.forward(latent, { noise }).image };
      });
    } finally {
      tf.dispose([wa.tensor, wb.tensor]);
    }
  }

  /**
   * One training step on generated images (default) or on a real batch (`batch.images`, not disposed).
   * Returns the per-pass losses.
   */
  trainStep(batch?: RealBatch): EncoderStepResult {
    const t0 = Date.now();
    const o = this.options;
    const g = this.generator;
    const gen = batch === undefined ? this.generatedBatch() : undefined;
    const targets = gen?.images ?? batch!.images;
    if (targets.rank !== 4 || targets.shape[1] !== g.resolution || targets.shape[2] !== g.resolution || targets.shape[3] !== 3) {
      throw new InputError('E_SHAPE', `Training images must be [N, ${g.resolution}, ${g.resolution}, 3], got [${targets.shape.join(', ')}].`);
    }
    const n = targets.shape[0];
    const meanW = g.meanW();
    let { latent, image } = restyleStart(g, n, o.noise);
    const sums = new Map<string, tf.Tensor>();
    const lossPerIteration: number[] = [];
    const msePerIteration: number[] = [];
    const partSums: Record<string, number> = {};
    try {
      for (let t = 0; t < o.iterations; t++) {
        const parts: Record<string, tf.Scalar> = {};
        let nextLatent: tf.Tensor3D | undefined;
        let nextImage: tf.Tensor4D | undefined;
        let stats: ReturnType<ReStyleEncoder['forward']>['stats'] = [];
        const { value, grads } = tf.variableGrads(() => {
          const fwd = this.encoder.forward(tf.concat([targets, image], 3) as tf.Tensor4D, { training: true });
          stats = fwd.stats;
          const w = tf.add(latent, fwd.delta) as tf.Tensor3D;
          const y = g.forward(w, { noise: o.noise }).image;
          nextLatent = tf.keep(tf.clone(w)) as tf.Tensor3D;
          nextImage = tf.keep(tf.clone(y)) as tf.Tensor4D;
          const mse = tf.mean(tf.squaredDifference(y, targets));
          parts.l2 = tf.keep(tf.clone(mse)) as tf.Scalar;
          let total = tf.mul(mse, o.weights.l2);
          const term = (name: string, weight: number, f: () => tf.Tensor) => {
            if (weight <= 0) return;
            const v = tf.mean(f());
            parts[name] = tf.keep(tf.clone(v)) as tf.Scalar;
            total = tf.add(total, tf.mul(v, weight));
          };
          if (o.perceptual) term('perceptual', o.weights.perceptual, () => o.perceptual!.distance(y, targets));
          if (o.identity) term('identity', o.weights.identity, () => o.identity!.distance(y, targets));
          term('wNorm', o.weights.wNorm, () => wNorm(w, meanW.tensor));
          if (gen) term('latent', o.weights.latent, () => latentMse(w, gen.latent));
          return total as tf.Scalar;
        }, this.vars);
        this.encoder.updateRunningStats(stats);
        for (const [vname, grad] of Object.entries(grads)) {
          const name = this.varNames.get(vname)!;
          const prev = sums.get(name);
          if (prev) {
            sums.set(name, tf.add(prev, grad));
            tf.dispose([prev, grad]);
          } else sums.set(name, grad);
        }
        lossPerIteration.push(value.dataSync()[0]!);
        value.dispose();
        for (const [k, v] of Object.entries(parts)) {
          const x = v.dataSync()[0]!;
          if (k === 'l2') msePerIteration.push(x);
          partSums[k] = (partSums[k] ?? 0) + x / o.iterations;
          v.dispose();
        }
        tf.dispose([latent, image]);
        latent = nextLatent!;
        image = nextImage!;
      }
      this.optimizer.step(sums);
      this.stepCount++;
    } finally {
      tf.dispose([latent, image, meanW.tensor, ...sums.values()]);
      if (gen) tf.dispose([gen.latent, gen.images]);
    }
    return {
      step: this.stepCount,
      lossPerIteration,
      msePerIteration,
      parts: partSums,
      loss: lossPerIteration.reduce((a, b) => a + b, 0) / lossPerIteration.length,
      source: gen ? 'generated' : 'real',
      seconds: (Date.now() - t0) / 1000,
    };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
