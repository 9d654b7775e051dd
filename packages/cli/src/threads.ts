import { availableParallelism } from 'node:os';

/**
 * wasm threads the CLI uses when `--threads` is not given: every core, up to 4 (tfjs' threaded wasm build
 * gains little beyond that for these models, and each thread costs memory). The library's own default
 * (`initBackend('wasm')`) stays single-threaded; the command line opts in for its users.
 */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}
