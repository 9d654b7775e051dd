import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { SemstyleError } from './contract/errors.js';

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

/**
 * Choose and initialise the tensor backend. The wasm backend is registered when this module loads;
 * WebGPU must be registered by importing `@tensorflow/tfjs-backend-webgpu` first (browsers only).
 * Returns the name of the backend in use.
 */
export async function initBackend(name: BackendName = 'auto'): Promise<string> {
  const candidates =
    name === 'auto' ? [...(hasWebGpu() ? ['webgpu'] : []), 'wasm', 'cpu'] : [name];
  for (const candidate of candidates) {
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
