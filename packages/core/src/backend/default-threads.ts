import { SemstyleError } from '../contract/errors.js';
import { isNode } from './is-node.js';

/** Environment variable that overrides the default wasm thread count in Node. */
export const WASM_THREADS_ENV = 'SEMSTYLE_WASM_THREADS';

/** The most threads the default picks: tfjs' threaded wasm gains little beyond that here, and each costs memory. */
const MAX_DEFAULT_THREADS = 4;

/** The rule, given the core count and the override's raw value (exported for tests). */
export function wasmThreadsFor(cores: number, override: string | undefined): number {
  if (override !== undefined && override.trim() !== '') {
    const value = Number(override);
    if (!Number.isInteger(value) || value < 1) {
      throw new SemstyleError('E_INVALID_ARGUMENT', `${WASM_THREADS_ENV} must be a positive integer, got "${override}".`);
    }
    return value;
  }
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, Math.floor(cores)));
}

/**
 * wasm threads `initBackend` starts in Node when not given `{ threads }`: `SEMSTYLE_WASM_THREADS` if set,
 * else every core up to 4 — like PyTorch, which uses the cores unless told otherwise. Async because the core
 * count comes from `node:os`, loaded lazily so that this module stays importable in browsers.
 */
export async function defaultWasmThreads(): Promise<number> {
  const env = typeof process !== 'undefined' ? process.env : {};
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  let cores = nav?.hardwareConcurrency ?? 1;
  if (isNode()) {
    const os = await import('node:os');
    cores = os.availableParallelism();
  }
  return wasmThreadsFor(cores, env[WASM_THREADS_ENV]);
}
