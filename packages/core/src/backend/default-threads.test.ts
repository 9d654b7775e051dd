import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultWasmThreads, wasmThreadsFor, WASM_THREADS_ENV } from './default-threads.js';
import { SemstyleError } from '../contract/errors.js';

describe('default wasm thread count', () => {
  it('uses every core up to 4 without an override', () => {
    expect([1, 2, 3, 4, 8, 64].map((cores) => wasmThreadsFor(cores, undefined))).toEqual([1, 2, 3, 4, 4, 4]);
    expect(wasmThreadsFor(0, undefined)).toBe(1);
    expect(wasmThreadsFor(2, '')).toBe(2);
  });

  it('takes SEMSTYLE_WASM_THREADS over the core count, above 4 too', () => {
    expect(wasmThreadsFor(2, '1')).toBe(1);
    expect(wasmThreadsFor(2, '6')).toBe(6);
  });

  it('refuses an override that is not a positive integer, naming the variable', () => {
    for (const bad of ['0', '-2', '1.5', 'two']) {
      expect(() => wasmThreadsFor(2, bad)).toThrow(SemstyleError);
      expect(() => wasmThreadsFor(2, bad)).toThrow(new RegExp(`${WASM_THREADS_ENV} must be a positive integer, got "${bad}"`));
    }
  });

  it('reads the environment and the machine', async () => {
    const saved = process.env[WASM_THREADS_ENV];
    try {
      delete process.env[WASM_THREADS_ENV];
      expect(await defaultWasmThreads()).toBe(Math.min(4, availableParallelism()));
      process.env[WASM_THREADS_ENV] = '3';
      expect(await defaultWasmThreads()).toBe(3);
    } finally {
      if (saved === undefined) delete process.env[WASM_THREADS_ENV];
      else process.env[WASM_THREADS_ENV] = saved;
    }
  });
});
