export { dopri5 } from './dopri5.js';
export { rk4 } from './rk4.js';
export { odeint } from './odeint.js';
export type { OdeFunction, SolveResult, SolveStats, SolverOptions, Dopri5Options, Rk4Options } from './types.js';
