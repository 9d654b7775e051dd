// Test-only helpers (not exported from the package).
import { initBackend, type SemstyleError } from '@semstyle/core';
import { expect } from 'vitest';

export async function useWasm(): Promise<void> {
  await initBackend('wasm');
}

export function expectCode(fn: () => unknown, code: string, ctor?: abstract new (...args: never[]) => unknown): SemstyleError {
  try {
    fn();
  } catch (e) {
    expect((e as SemstyleError).code).toBe(code);
    if (ctor) expect(e).toBeInstanceOf(ctor);
    return e as SemstyleError;
  }
  throw new Error(`expected an error with code ${code}`);
}

export async function expectCodeAsync(fn: () => Promise<unknown>, code: string, ctor?: abstract new (...args: never[]) => unknown): Promise<SemstyleError> {
  try {
    await fn();
  } catch (e) {
    expect((e as SemstyleError).code).toBe(code);
    if (ctor) expect(e).toBeInstanceOf(ctor);
    return e as SemstyleError;
  }
  throw new Error(`expected an error with code ${code}`);
}
