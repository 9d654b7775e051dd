import * as tf from '@tensorflow/tfjs';
import { Adam, InputError, SeededRandom } from '@semstyle/core';
import type { NoiseKind } from '../flow/divergence.js';
import { standardNormalLogProb, type StyleFlow } from '../flow/styleflow.js';
import { assertPositive, assertPositiveInt } from '../validate.js';
import type { FlowDataSource } from './data-source.js';

export interface FlowTrainingOptions {
  /** Adam learning rate (default 1e-3, StyleFlow's). */
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly batchSize: number;
  /**
   * RK4 steps per training solve (default 4). tfjs has no adjoint: gradients backpropagate through every
   * solver step, so activation memory grows linearly with this count; a fixed small count bounds it.
   */
  readonly solverSteps: number;
  /** 'exact' (default for dim ≤ 16) or 'hutchinson' (default above; fresh noise every step). */
  readonly trace: 'exact' | 'hutchinson';
  readonly noise: NoiseKind;
  /** Seed of the batch stream and the Hutchinson noise. */
  readonly seed: number;
}

export function resolveTrainingOptions(dim: number, partial: Partial<FlowTrainingOptions> = {}): FlowTrainingOptions {
  const o: FlowTrainingOptions = {
    lr: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    batchSize: 64,
    solverSteps: 4,
    trace: dim <= 16 ? 'exact' : 'hutchinson',
    noise: 'rademacher',
    seed: 0,
    ...partial,
  };
  assertPositive('lr', o.lr);
  assertPositiveInt('batchSize', o.batchSize);
  assertPositiveInt('solverSteps', o.solverSteps);
  if (o.trace !== 'exact' && o.trace !== 'hutchinson') throw new InputError('E_INVALID_ARGUMENT', `trace must be exact or hutchinson, got ${String(o.trace)}.`);
  if (!Number.isInteger(o.seed)) throw new InputError('E_INVALID_ARGUMENT', `seed must be an integer, got ${o.seed}.`);
  return o;
}

export interface FlowStepResult {
  /** Steps done so far (this one included). */
  readonly step: number;
  /** −mean log p(x | c), nats per sample. */
  readonly loss: number;
  /** The same per dimension. */
  readonly nllPerDim: number;
  /** Current end time T. */
  readonly endTime: number;
  readonly ms: number;
}

/** Resumable trainer state (besides the flow's own weights). */
export interface FlowTrainerState {
  readonly step: number;
  readonly rng: { state: number; spare: number | null };
  readonly adam: ReadonlyMap<string, { expAvg: tf.Tensor; expAvgSq: tf.Tensor; step: number }>;
}

/**
 * Maximum-likelihood training of a StyleFlow on (latent, attribute) pairs: each step draws a batch, runs
 * the flow forward in training mode with fixed-step RK4, backpropagates −log p(x | c) through the solver
 * steps and applies Adam; the batch norms' running statistics are updated after the step.
 */
export class FlowTrainer {
  readonly flow: StyleFlow;
  readonly data: FlowDataSource;
  readonly options: FlowTrainingOptions;
  private readonly adam: Adam;
  private readonly rng: SeededRandom;
  private readonly byVariableName: Map<string, string>;
  private stepCount = 0;

  constructor(flow: StyleFlow, data: FlowDataSource, options: Partial<FlowTrainingOptions> = {}) {
    if (data.dim !== flow.config.dim || data.condDim !== flow.config.condDim) {
      throw new InputError('E_SHAPE', `Training pairs are (${data.dim}, ${data.condDim}) but the flow is (${flow.config.dim}, ${flow.config.condDim}) (dim, condDim).`);
    }
    this.flow = flow;
    this.data = data;
    this.options = resolveTrainingOptions(flow.config.dim, options);
    const params = flow.parameters();
    this.adam = new Adam({ lr: this.options.lr, beta1: this.options.beta1, beta2: this.options.beta2, eps: this.options.eps }, params);
    this.byVariableName = new Map([...params].map(([name, v]) => [v.name, name]));
    this.rng = new SeededRandom(this.options.seed);
  }

  get step(): number {
    return this.stepCount;
  }

  /** One optimisation step. */
  trainStep(): FlowStepResult {
    const start = performance.now();
    const { x, cond } = this.data.batch(this.options.batchSize, this.rng);
    const vars = [...this.flow.parameters().values()];
    const o = this.options;
    this.flow.setTraining(true);
    let lossValue: number;
    try {
      const { value, grads } = tf.variableGrads(() => {
        const r = this.flow.forward(x, cond, { solver: { method: 'rk4', steps: o.solverSteps }, trace: o.trace, noise: o.noise, noiseSeed: o.seed * 1_000_003 + this.stepCount }, false);
        return tf.neg(tf.mean(tf.add(standardNormalLogProb(r.value), r.logDet!))) as tf.Scalar;
      }, vars);
      lossValue = value.dataSync()[0]!;
      if (!Number.isFinite(lossValue)) {
        tf.dispose([value, grads]);
        this.flow.discardPendingStats();
        throw new InputError('E_NON_FINITE', `Training loss became ${lossValue} at step ${this.stepCount + 1}; lower the learning rate.`, { details: { step: this.stepCount + 1 } });
      }
      this.adam.step(new Map(Object.entries(grads).map(([k, g]) => [this.byVariableName.get(k) ?? k, g])));
      tf.dispose([value, grads]);
      this.flow.commitRunningStats();
    } finally {
      this.flow.setTraining(false);
      tf.dispose([x, cond]);
    }
    this.stepCount++;
    return { step: this.stepCount, loss: lossValue, nllPerDim: lossValue / this.flow.config.dim, endTime: this.flow.endTime(), ms: performance.now() - start };
  }

  /** Run `steps` steps, calling `onProgress` after each. */
  train(steps: number, onProgress?: (r: FlowStepResult) => void): FlowStepResult | undefined {
    let last: FlowStepResult | undefined;
    for (let i = 0; i < steps; i++) {
      last = this.trainStep();
      onProgress?.(last);
    }
    return last;
  }

  /** Optimizer state and position in the batch stream (tensors owned by the trainer). */
  state(): FlowTrainerState {
    return { step: this.stepCount, rng: this.rng.getState(), adam: this.adam.state };
  }

  /** Continue from a saved state (tensors are copied). */
  restore(state: FlowTrainerState): void {
    this.stepCount = state.step;
    this.rng.setState(state.rng);
    this.adam.setState(state.adam);
  }

  dispose(): void {
    this.adam.dispose();
  }
}
