import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { SemstyleError } from './contract/errors.js';
import { startWasm, wasmThreadsInUse } from './backend/wasm-threads.js';

export { wasmThreadsInUse };

/** Backends semstyle knows how to start. `'auto'` picks webgpu → wasm → cpu. */
export type BackendName = 'auto' | 'webgpu' | 'wasm' | 'cpu';

function hasWebGpu(): boolean {
  return typeof navigator !== 'undefined' && (navigator as { gpu?: unknown }).gpu !== undefined;
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
   * wasm only: the number of threads (default 1, the stock single-threaded SIMD build). More than 1 starts
   * tfjs' threaded SIMD build; in Node this needs the run-time shims of `backend/wasm-threads.ts` (tfjs
   * 4.22.0). Restarting with another count drops the tensors of the previous wasm backend: choose first.
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
      // Without an explicit count, whatever wasm backend is running is kept.
      await startWasm(options.threads ?? 1);
      await tf.ready();
      return tf.getBackend();
    }
    if (await trySet(candidate)) {
      await tf.ready();
      return tf.getBackend();
    }
  }
  throw new SemstyleError(
    'E_BACKEND',
    `Could not start backend ${name === 'auto' ? `(tried ${candidates.join(', ')})` : `"${name}"`}; registered: ${Object.keys(tf.engine().registryFactory).join(', ')}.`,
  );
}
