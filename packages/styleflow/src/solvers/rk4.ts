import * as tf from '@tensorflow/tfjs';
import { assertPositiveInt } from '../validate.js';
import { axpy } from './state-ops.js';
import type { OdeFunction, SolveResult } from './types.js';

/**
 * Classical fixed-step Runge–Kutta 4 from t0 to t1 (either direction) in `steps` equal steps. Differentiable
 * (no reads back to the host), so training backpropagates through it; memory grows linearly with `steps`.
 * The grid is t0 + i·(t1 − t0)/steps, so a reverse solve visits the same times as the forward one.
 */
export function rk4(f: OdeFunction, y0: readonly tf.Tensor[], t0: number, t1: number, steps = 8): SolveResult {
  assertPositiveInt('rk4 steps', steps);
  const h = (t1 - t0) / steps;
  let y: tf.Tensor[] = y0.map((t) => tf.clone(t));
  for (let i = 0; i < steps; i++) {
    const t = t0 + i * h;
    const prev = y;
    y = tf.tidy(() => {
      const k1 = f(t, prev);
      const k2 = f(t + h / 2, axpy(prev, [[h / 2, k1]]));
      const k3 = f(t + h / 2, axpy(prev, [[h / 2, k2]]));
      const k4 = f(t + h, axpy(prev, [[h, k3]]));
      return axpy(prev, [
        [h / 6, k1],
        [h / 3, k2],
        [h / 3, k3],
        [h / 6, k4],
      ]);
    });
    tf.dispose(prev);
  }
  return { y, stats: { steps, rejected: 0, nfe: 4 * steps } };
}
