/** A crash of the wasm module becomes a BackendError that says what ran out and what to change. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { BackendError, SemstyleError } from '../contract/errors.js';
import { explainBackendCrash, wasmHeapBytes, WASM_HEAP_LIMIT_BYTES } from './wasm-crash.js';

const GiB = 2 ** 30;

describe('explainBackendCrash', () => {
  beforeAll(async () => {
    await initBackend('wasm', { threads: 1 });
  });

  it('reads the wasm heap size, which grows with what is allocated', () => {
    const before = wasmHeapBytes()!;
    expect(before).toBeGreaterThan(0);
    expect(before % 65536).toBe(0); // whole wasm pages
    const big = tf.zeros([64, 1024, 1024]); // 256 MiB
    expect(wasmHeapBytes()!).toBeGreaterThanOrEqual(256 * 2 ** 20);
    big.dispose();
    expect(WASM_HEAP_LIMIT_BYTES).toBe(4 * GiB);
  });

  it('is undefined off wasm', async () => {
    await initBackend('cpu');
    try {
      expect(wasmHeapBytes()).toBeUndefined();
    } finally {
      await initBackend('wasm', { threads: 1 });
    }
  });

  it('passes other errors through untouched', () => {
    const plain = new Error('boom');
    expect(explainBackendCrash(plain, 'x')).toBe(plain);
    expect(explainBackendCrash('a string', 'x')).toBe('a string');
  });

  it('a crash near the 4 GiB limit is E_OUT_OF_MEMORY with the heap size and the hint', () => {
    const crash = new WebAssembly.RuntimeError('memory access out of bounds');
    const error = explainBackendCrash(crash, 'training step 3 at batch 8', { heapBytes: 3.59 * GiB, hint: 'lower the batch size' });
    expect(error).toBeInstanceOf(BackendError);
    const e = error as BackendError;
    expect(e.code).toBe('E_OUT_OF_MEMORY');
    expect(e.message).toBe(
      'The wasm backend ran out of memory during training step 3 at batch 8: its heap had grown to 3.59 GiB of the 4.00 GiB wasm can address ' +
        '(memory access out of bounds). Lower the batch size. The backend cannot be used after this: restart the process.',
    );
    expect(e.cause).toBe(crash);
    expect(e.details).toMatchObject({ doing: 'training step 3 at batch 8', heapBytes: 3.59 * GiB, heapLimitBytes: 4 * GiB });
    expect(SemstyleError.isInstance(e)).toBe(true);
  });

  it('a crash with a small heap is E_BACKEND, not a guess at memory', () => {
    const error = explainBackendCrash(new WebAssembly.RuntimeError('table index is out of bounds'), 'semstyle generate', { heapBytes: 0.5 * GiB });
    expect((error as BackendError).code).toBe('E_BACKEND');
    expect((error as BackendError).message).toContain('crashed during semstyle generate (table index is out of bounds; heap 0.50 GiB)');
    const offWasm = explainBackendCrash(new WebAssembly.RuntimeError('Aborted()'), 'x', { heapBytes: undefined });
    expect((offWasm as BackendError).code).toBe('E_BACKEND');
  });
});
