import { mulberry32 } from '@semstyle/core';
/**
 * A small seeded PRNG (mulberry32) so that subset draws and interpolation points are reproducible on
 * every backend and platform.
 */
export function createRng(seed: number): () => number {
  return mulberry32(seed);
}

/** `k` distinct indices from [0, n), drawn with a partial Fisher–Yates shuffle. */
export function choiceWithoutReplacement(n: number, k: number, rng: () => number): Int32Array {
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const tmp = pool[i] as number;
    pool[i] = pool[j] as number;
    pool[j] = tmp;
  }
  return pool.slice(0, k);
}
