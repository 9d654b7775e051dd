import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../contract/errors.js';

/** wasm32 addresses 4 GiB; tfjs-backend-wasm's heap cannot grow past it. */
export const WASM_HEAP_LIMIT_BYTES = 4 * 2 ** 30;

/**
 * A failed allocation is reported this close to the limit: the heap grows in large steps and the last
 * request that did not fit was typically hundreds of MiB (measured: crashes at 3.59 GiB with 0.5 GiB asked).
 */
const NEAR_LIMIT_BYTES = 3 * 2 ** 30;

/** Size of the wasm backend's heap in bytes, or undefined when the current backend is not wasm. */
export function wasmHeapBytes(): number | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  // The threaded build exports its shared memory; the single-threaded one only its heap views.
  const module = (tf.backend() as unknown as { wasm?: { wasmMemory?: WebAssembly.Memory; HEAPU8?: Uint8Array } }).wasm;
  return module?.wasmMemory?.buffer.byteLength ?? module?.HEAPU8?.buffer.byteLength;
}

export interface ExplainBackendCrashOptions {
  /** What to change, for the out-of-memory message (default "use a smaller batch"). */
  readonly hint?: string;
  /** The heap size to judge by (default: the current wasm heap, `wasmHeapBytes()`). */
  readonly heapBytes?: number | undefined;
}

/**
 * Turn a crash of the wasm module (a `WebAssembly.RuntimeError`: "memory access out of bounds", "table index
 * is out of bounds", "Aborted()" — what a failed allocation inside the C++ kernels looks like) into a
 * `BackendError`: `E_OUT_OF_MEMORY` when the heap had grown close to its 4 GiB limit, `E_BACKEND` otherwise.
 * `doing` names the work (e.g. "training step 12 at batch 8"). Any other error is returned unchanged.
 */
export function explainBackendCrash(error: unknown, doing: string, options: ExplainBackendCrashOptions = {}): unknown {
  if (!(error instanceof WebAssembly.RuntimeError)) return error;
  const hint = options.hint ?? 'use a smaller batch';
  const heap = 'heapBytes' in options ? options.heapBytes : wasmHeapBytes();
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  const details = { doing, heapBytes: heap, heapLimitBytes: WASM_HEAP_LIMIT_BYTES, wasmMessage: error.message };
  if (heap !== undefined && heap >= NEAR_LIMIT_BYTES) {
    return new BackendError(
      'E_OUT_OF_MEMORY',
      `The wasm backend ran out of memory during ${doing}: its heap had grown to ${gib(heap)} of the ${gib(WASM_HEAP_LIMIT_BYTES)} ` +
        `wasm can address (${error.message}). ${hint[0]!.toUpperCase()}${hint.slice(1)}. The backend cannot be used after this: restart the process.`,
      { cause: error, details },
    );
  }
  return new BackendError(
    'E_BACKEND',
    `The wasm backend crashed during ${doing} (${error.message}${heap === undefined ? '' : `; heap ${gib(heap)}`}). ` +
      'The backend cannot be used after this: restart the process.',
    { cause: error, details },
  );
}
