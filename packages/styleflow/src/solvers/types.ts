import type * as tf from '@tensorflow/tfjs';

/**
 * An ODE right-hand side over a state made of several tensors (e.g. [z, logDet]): returns dy/dt, one
 * tensor per state tensor, of the same shapes. The returned tensors belong to the solver (it disposes
 * them); the inputs must not be disposed by `f`.
 */
export type OdeFunction = (t: number, y: readonly tf.Tensor[]) => tf.Tensor[];

/** What a solve did. */
export interface SolveStats {
  /** Accepted steps. */
  readonly steps: number;
  /** Rejected steps (adaptive solver only). */
  readonly rejected: number;
  /** Evaluations of f. */
  readonly nfe: number;
}

export interface SolveResult {
  /** The state at t1 (owned by the caller). */
  readonly y: tf.Tensor[];
  readonly stats: SolveStats;
}

export interface Dopri5Options {
  readonly method: 'dopri5';
  /** Relative tolerance (default 1e-5, as StyleFlow). */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-5). */
  readonly atol?: number;
  /** Attempted steps (accepted + rejected) allowed before `SolverStepLimitError` (default 1000). */
  readonly maxSteps?: number;
  /** First step size (default: Hairer's heuristic). */
  readonly firstStep?: number;
}

export interface Rk4Options {
  readonly method: 'rk4';
  /** Number of equal steps over [t0, t1] (default 8). */
  readonly steps?: number;
}

export type SolverOptions = Dopri5Options | Rk4Options;
