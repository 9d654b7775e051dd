import * as tf from '@tensorflow/tfjs';
import { odeint } from '../solvers/odeint.js';
import type { SolveStats, SolverOptions } from '../solvers/types.js';
import { hutchinsonNoise, valueAndDivergence, type NoiseKind, type TraceMode } from './divergence.js';
import type { Dynamics } from './dynamics.js';
import { variableFrom } from './params.js';

export interface IntegrateOptions {
  /** Default: dopri5 with rtol = atol = 1e-5. */
  readonly solver?: SolverOptions;
  /** Default 'exact'. */
  readonly trace?: TraceMode;
  readonly noise?: NoiseKind;
  readonly noiseSeed?: number;
  /** false: data → base (t: 0 → T); true: base → data (t: T → 0). */
  readonly reverse?: boolean;
}

export interface IntegrateResult {
  readonly z: tf.Tensor2D;
  /** log|det ∂out/∂in| per sample [N] (null when trace = 'none'). */
  readonly logDet: tf.Tensor1D | null;
  readonly stats: SolveStats;
}

const softplus = (x: number): number => (x > 20 ? x : Math.log1p(Math.exp(x)));
const softplusInverse = (y: number): number => (y > 20 ? y : Math.log(Math.expm1(y)));

/**
 * A continuous normalizing flow dz/dt = f(t, z, c) on [0, T] with log-density state
 * d logdet/dt = tr(∂f/∂z). The end time T = softplus(θ) is trainable (FFJORD's `train_T`). Solvers run on
 * s ∈ [0, 1] with the dynamics scaled by T (t = sT), so gradients reach θ.
 */
export class Cnf {
  readonly dynamics: Dynamics;
  readonly trainT: boolean;
  /** θ with T = softplus(θ). */
  readonly timeParam: tf.Variable;

  constructor(dynamics: Dynamics, endTime = 0.5, trainT = true) {
    this.dynamics = dynamics;
    this.trainT = trainT;
    this.timeParam = variableFrom(tf.scalar(softplusInverse(endTime)), trainT);
  }

  /** Current end time T (a number). */
  endTime(): number {
    return softplus(this.timeParam.dataSync()[0]!);
  }

  endTimeTensor(): tf.Scalar {
    return tf.softplus(this.timeParam) as tf.Scalar;
  }

  parameters(): [string, tf.Variable][] {
    return [...this.dynamics.parameters(), ...(this.trainT ? ([['timeParam', this.timeParam]] as [string, tf.Variable][]) : [])];
  }

  /** Integrate a batch [N, D] with condition [N, C] (or null). Returned tensors belong to the caller. */
  integrate(x: tf.Tensor2D, cond: tf.Tensor2D | null, options: IntegrateOptions = {}): IntegrateResult {
    const mode = options.trace ?? 'exact';
    const noise = mode === 'hutchinson' ? hutchinsonNoise(x.shape[0], x.shape[1], options.noise ?? 'rademacher', options.noiseSeed ?? 0) : undefined;
    try {
      const f = (s: number, y: readonly tf.Tensor[]): tf.Tensor[] => {
        const T = this.endTimeTensor();
        const t = tf.mul(T, s) as tf.Scalar;
        const z = y[0] as tf.Tensor2D;
        if (mode === 'none') return [tf.mul(this.dynamics.evaluate(t, z, cond), T)];
        const { value, divergence } = valueAndDivergence(this.dynamics, t, z, cond, mode, noise);
        return [tf.mul(value, T), tf.mul(divergence, T)];
      };
      const y0 = mode === 'none' ? [x] : [x, tf.zeros([x.shape[0]])];
      const [s0, s1] = options.reverse ? [1, 0] : [0, 1];
      let solved: ReturnType<typeof odeint>;
      try {
        solved = odeint(f, y0, s0, s1, options.solver ?? { method: 'dopri5', rtol: 1e-5, atol: 1e-5 });
      } finally {
        if (mode !== 'none') y0[1]!.dispose();
      }
      const { y, stats } = solved;
      return { z: y[0] as tf.Tensor2D, logDet: (y[1] as tf.Tensor1D | undefined) ?? null, stats };
    } finally {
      noise?.dispose();
    }
  }

  dispose(): void {
    this.dynamics.dispose();
    this.timeParam.dispose();
  }
}
