// Test-only helpers (not exported from the package).
import { initBackend } from '@semstyle/core';

export { expectCode, expectCodeAsync } from '@semstyle/core/testing';

export async function useWasm(): Promise<void> {
  await initBackend('wasm');
}
