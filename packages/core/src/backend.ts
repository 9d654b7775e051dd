import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { BackendError } from './contract/errors.js';
import { startWasm, wasmThreadsInUse, wasmIsStarted } from './backend/wasm-threads.js';
import { defaultWasmThreads } from './backend/default-threads.js';
import { isNode } from './backend/is-node.js';

export { wasmThreadsInUse, defaultWasmThreads };
export { explainBackendCrash, wasmHeapBytes, WASM_HEAP_LIMIT_BYTES, type ExplainBackendCrashOptions } from './backend/wasm-crash.js';

/** Backends semstyle knows how to start. `'auto'` picks webgpu → wasm → cpu. */
export type BackendName = 'auto' | 'webgpu' | 'wasm' | 'cpu';

function hasWebGpu(): boolean {
  return typeof navigator !== 'undefined' && (navigator as { gpu?: unknown }).gpu !== undefined;
}

/**
 * Node, first start of wasm: use the cores. The threaded build relies on tfjs internals; should it fail to
 * start, fall back to one thread with a process warning rather than leave the caller without a backend.
 */
async function startWasmWithDefaultThreads(): Promise<void> {
  const threads = await defaultWasmThreads();
  if (threads === 1) {
    await startWasm(1);
    return;
  }
  try {
    await startWasm(threads);
  } catch (error) {
    process.emitWarning(
      `semstyle: the ${threads}-thread wasm backend did not start (${(error as Error).message}); using 1 thread.`,
      { code: 'SEMSTYLE_WASM_THREADS_FALLBACK' },
    );
    await startWasm(1);
  }
}

async function trySet(name: string): Promise<boolean> {
  if (tf.findBackendFactory(name) === undefined) return false;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

export interface InitBackendOptions {
  /**
   * wasm only: the number of threads. 1 is the stock single-threaded SIMD build; more starts tfjs' threaded
   * SIMD build, which in Node needs the run-time shims of `backend/wasm-threads.ts` (tfjs 4.22.0).
   * Default in Node: `defaultWasmThreads()` (every core up to 4, or `SEMSTYLE_WASM_THREADS`) when wasm has
   * not started yet; a wasm backend that is already running is kept as it is. Restarting with another count
   * drops the tensors of the previous wasm backend: choose first. Browsers: tfjs decides (threads need a
   * cross-origin-isolated page).
   */
  readonly threads?: number;
}

/**
 * Choose and initialise the tensor backend. The wasm backend is registered when this module loads;
 * WebGPU must be registered by importing `@tensorflow/tfjs-backend-webgpu` first (browsers only).
 * Returns the name of the backend in use.
 */
export async function initBackend(name: BackendName = 'auto', options: InitBackendOptions = {}): Promise<string> {
  const candidates =
    name === 'auto' ? [...(hasWebGpu() ? ['webgpu'] : []), 'wasm', 'cpu'] : [name];
  for (const candidate of candidates) {
    if (candidate === 'wasm' && options.threads !== undefined) {
      await startWasm(options.threads);
      await tf.ready();
      return tf.getBackend();
    }
    if (candidate === 'wasm' && isNode() && !wasmIsStarted()) {
      await startWasmWithDefaultThreads();
      await tf.ready();
      return tf.getBackend();
    }
    if (await trySet(candidate)) {
      await tf.ready();
      return tf.getBackend();
    }
  }
  throw new BackendError(
    'E_BACKEND',
    `Could not start backend ${name === 'auto' ? `(tried ${candidates.join(', ')})` : `"${name}"`}; registered: ${Object.keys(tf.engine().registryFactory).join(', ')}.`,
  );
}
