import type * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import { dopri5 } from './dopri5.js';
import { rk4 } from './rk4.js';
import type { OdeFunction, SolveResult, SolverOptions } from './types.js';

/** Solve dy/dt = f(t, y) from t0 to t1 with the chosen method (dopri5: reference; rk4: fast, trainable). */
export function odeint(f: OdeFunction, y0: readonly tf.Tensor[], t0: number, t1: number, options: SolverOptions = { method: 'dopri5' }): SolveResult {
  switch (options.method) {
    case 'dopri5':
      return dopri5(f, y0, t0, t1, options);
    case 'rk4':
      return rk4(f, y0, t0, t1, options.steps ?? 8);
    default:
      throw new InputError('E_INVALID_ARGUMENT', `Unknown ODE solver "${(options as { method: string }).method}" (dopri5 or rk4).`);
  }
}
