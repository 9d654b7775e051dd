import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import type { SolveStats, SolverOptions } from '../solvers/types.js';
import { assertFinite, assertShape } from '../validate.js';
import { Cnf } from './cnf.js';
import { resolveFlowConfig, type FlowConfig } from './config.js';
import type { NoiseKind, TraceMode } from './divergence.js';
import { MovingBatchNorm } from './moving-batch-norm.js';
import { OdeNet } from './odenet.js';

export interface FlowRunOptions {
  /** Default: dopri5, rtol = atol = 1e-5 (StyleFlow's). Use `{ method: 'rk4', steps }` for speed. */
  readonly solver?: SolverOptions;
  /** How log-determinants are computed (default 'exact'; 'none' skips them, e.g. for editing). */
  readonly trace?: TraceMode;
  readonly noise?: NoiseKind;
  readonly noiseSeed?: number;
}

export interface FlowResult {
  /** The transformed batch [N, dim] (owned by the caller). */
  readonly value: tf.Tensor2D;
  /** log|det ∂out/∂in| per sample [N]; null with trace 'none'. */
  readonly logDet: tf.Tensor1D | null;
  readonly stats: SolveStats;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * StyleFlow's conditional flow: MovingBatchNorm → CNF (ConcatSquash ODE net, trainable T) → MovingBatchNorm,
 * mapping latent vectors x (W codes or W+ rows) to a standard Gaussian z given attributes c:
 * log p(x | c) = log N(z; 0, I) + log|det ∂z/∂x|.
 *
 * Ownership: inputs are never disposed; returned tensors belong to the caller; `dispose()` frees weights.
 * Mode: eval by default (`setTraining(true)` makes the batch norms use batch statistics).
 */
export class StyleFlow {
  readonly config: FlowConfig;
  readonly cnf: Cnf;
  readonly odeNet: OdeNet;
  readonly bnIn: MovingBatchNorm | null;
  readonly bnOut: MovingBatchNorm | null;
  private trainingMode = false;
  private disposed = false;

  constructor(config: Partial<FlowConfig> & Pick<FlowConfig, 'dim' | 'condDim'>) {
    this.config = resolveFlowConfig(config);
    const c = this.config;
    this.odeNet = new OdeNet(c.dim, c.condDim, c.hidden, c.seed);
    this.cnf = new Cnf(this.odeNet, c.endTime, c.trainT);
    this.bnIn = c.batchNorm ? new MovingBatchNorm(c.dim, c.bnEps, c.bnDecay) : null;
    this.bnOut = c.batchNorm ? new MovingBatchNorm(c.dim, c.bnEps, c.bnDecay) : null;
  }

  get training(): boolean {
    return this.trainingMode;
  }

  setTraining(training: boolean): this {
    this.trainingMode = training;
    return this;
  }

  /** Trainable parameters by (torch-like) name. */
  parameters(): Map<string, tf.Variable> {
    return new Map([
      ...(this.bnIn?.parameters('chain.0') ?? []),
      ...this.cnf.parameters().map(([n, v]) => [`chain.1.${n}`, v] as [string, tf.Variable]),
      ...(this.bnOut?.parameters('chain.2') ?? []),
    ]);
  }

  /** Parameters and running statistics: everything a checkpoint holds. */
  state(): Map<string, tf.Variable> {
    return new Map([...this.parameters(), ...(this.bnIn?.buffers('chain.0') ?? []), ...(this.bnOut?.buffers('chain.2') ?? [])]);
  }

  /** Copy values into the state (names and shapes must match exactly). */
  loadState(values: ReadonlyMap<string, tf.Tensor>): void {
    const state = this.state();
    for (const name of state.keys()) {
      if (!values.has(name)) throw new InputError('E_SHAPE', `Flow state is missing "${name}".`, { details: { name } });
    }
    for (const [name, value] of values) {
      const v = state.get(name);
      if (v === undefined) throw new InputError('E_SHAPE', `Flow state has an unknown entry "${name}".`, { details: { name } });
      if (!tf.util.arraysEqual(v.shape, value.shape)) {
        throw new InputError('E_SHAPE', `Flow state "${name}" has shape [${value.shape.join(', ')}], expected [${v.shape.join(', ')}].`);
      }
    }
    for (const [name, value] of values) state.get(name)!.assign(value);
  }

  endTime(): number {
    return this.cnf.endTime();
  }

  private check(name: string, x: tf.Tensor, cond: tf.Tensor, validateValues: boolean): void {
    if (this.disposed) throw new InputError('E_INVALID_ARGUMENT', 'This StyleFlow has been disposed.');
    assertShape(name, x, [null, this.config.dim]);
    assertShape('Condition', cond, [x.shape[0], this.config.condDim]);
    if (validateValues) {
      assertFinite(name, x);
      assertFinite('Condition', cond);
    }
  }

  private condOrNull(cond: tf.Tensor2D): tf.Tensor2D | null {
    return this.config.condDim === 0 ? null : cond;
  }

  /** Data → base: x [N, dim] given c [N, condDim] → z and log|det ∂z/∂x|. */
  forward(x: tf.Tensor2D, cond: tf.Tensor2D, options: FlowRunOptions = {}, validateValues = true): FlowResult {
    this.check('Latent', x, cond, validateValues);
    const withLogDet = (options.trace ?? 'exact') !== 'none';
    const bnIn = this.bnIn ? this.bnIn.forward(x, this.trainingMode) : null;
    const h = bnIn?.y ?? x;
    let flowed: ReturnType<Cnf['integrate']>;
    try {
      flowed = this.cnf.integrate(h, this.condOrNull(cond), { ...options, reverse: false });
    } catch (e) {
      if (bnIn) tf.dispose([bnIn.y, bnIn.logDet]);
      this.discardPendingStats();
      throw e;
    }
    if (bnIn) bnIn.y.dispose();
    const bnOut = this.bnOut ? this.bnOut.forward(flowed.z, this.trainingMode) : null;
    const value = bnOut ? bnOut.y : flowed.z;
    if (bnOut) flowed.z.dispose();
    const logDet = withLogDet
      ? (tf.tidy(() => tf.add(tf.add(flowed.logDet!, bnIn?.logDet ?? 0), bnOut?.logDet ?? 0)) as tf.Tensor1D)
      : null;
    tf.dispose([flowed.logDet ?? [], bnIn?.logDet ?? [], bnOut?.logDet ?? []]);
    return { value, logDet, stats: flowed.stats };
  }

  /** Base → data: z [N, dim] given c → x and log|det ∂x/∂z| (batch norms use their running statistics). */
  inverse(z: tf.Tensor2D, cond: tf.Tensor2D, options: FlowRunOptions = {}, validateValues = true): FlowResult {
    this.check('Base sample', z, cond, validateValues);
    const withLogDet = (options.trace ?? 'exact') !== 'none';
    const bnOut = this.bnOut ? this.bnOut.inverse(z) : null;
    const h = bnOut?.x ?? z;
    let flowed: ReturnType<Cnf['integrate']>;
    try {
      flowed = this.cnf.integrate(h, this.condOrNull(cond), { ...options, reverse: true });
    } catch (e) {
      if (bnOut) tf.dispose([bnOut.x, bnOut.logDet]);
      throw e;
    }
    if (bnOut) bnOut.x.dispose();
    const bnIn = this.bnIn ? this.bnIn.inverse(flowed.z) : null;
    const value = bnIn ? bnIn.x : flowed.z;
    if (bnIn) flowed.z.dispose();
    const logDet = withLogDet
      ? (tf.tidy(() => tf.add(tf.add(flowed.logDet!, bnIn?.logDet ?? 0), bnOut?.logDet ?? 0)) as tf.Tensor1D)
      : null;
    tf.dispose([flowed.logDet ?? [], bnIn?.logDet ?? [], bnOut?.logDet ?? []]);
    return { value, logDet, stats: flowed.stats };
  }

  /** log p(x | c) per sample [N], in nats. */
  logProb(x: tf.Tensor2D, cond: tf.Tensor2D, options: FlowRunOptions = {}): tf.Tensor1D {
    if (options.trace === 'none') throw new InputError('E_INVALID_ARGUMENT', 'logProb needs a trace mode (exact or hutchinson).');
    const { value, logDet } = this.forward(x, cond, options);
    const out = tf.tidy(() => tf.add(standardNormalLogProb(value), logDet!)) as tf.Tensor1D;
    tf.dispose([value, logDet!]);
    return out;
  }

  /** Draw x ~ p(x | c): z ~ N(0, I) (given), mapped back. */
  sample(z: tf.Tensor2D, cond: tf.Tensor2D, options: FlowRunOptions = {}): tf.Tensor2D {
    return this.inverse(z, cond, { ...options, trace: 'none' }).value;
  }

  /** Commit the batch statistics of the last training-mode forward pass to the running statistics. */
  commitRunningStats(): void {
    this.bnIn?.commitRunningStats();
    this.bnOut?.commitRunningStats();
  }

  discardPendingStats(): void {
    this.bnIn?.discardPending();
    this.bnOut?.discardPending();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cnf.dispose();
    this.bnIn?.dispose();
    this.bnOut?.dispose();
  }
}

/** log N(z; 0, I) per row [N]. */
export function standardNormalLogProb(z: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sub(tf.mul(-0.5, tf.sum(tf.square(z), 1)), 0.5 * z.shape[1] * LOG_2PI)) as tf.Tensor1D;
}
