import { InputError } from '@semstyle/core';

/**
 * An adaptive solve needed more steps than `maxSteps` allows (a stiff or exploding ODE, or tolerances too
 * tight). Code `E_INVALID_ARGUMENT`; `steps` is the number of steps attempted when the solver gave up.
 */
export class SolverStepLimitError extends InputError {
  readonly steps: number;
  readonly maxSteps: number;
  /** How far the integration got (time reached when it gave up). */
  readonly reachedTime: number;

  constructor(steps: number, maxSteps: number, reachedTime: number, span: readonly [number, number]) {
    super(
      'E_INVALID_ARGUMENT',
      `ODE solver gave up after ${steps} steps (maxSteps = ${maxSteps}) at t = ${reachedTime} of [${span[0]}, ${span[1]}]; ` +
        'the dynamics may be stiff or exploding, or rtol/atol too tight.',
      { details: { steps, maxSteps, reachedTime, span: [...span] } },
    );
    this.steps = steps;
    this.maxSteps = maxSteps;
    this.reachedTime = reachedTime;
  }
}
