/** Small, fast, seedable PRNGs. Everything random in this package flows from these. */

/** mulberry32 (core's implementation): a 32-bit state PRNG returning floats in [0, 1). */
export { mulberry32 } from '@semstyle/core';

/** A 32-bit integer hash (murmur3 finaliser). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The seed of face `index` in a dataset seeded with `datasetSeed`. Depends only on the two numbers, so a
 * dataset can be extended, resumed or rendered out of order and each face stays the same.
 */
export function faceSeed(datasetSeed: number, index: number): number {
  const lo = datasetSeed >>> 0;
  const hi = Math.floor(datasetSeed / 4294967296) >>> 0;
  return fmix32(fmix32(lo ^ 0x9e3779b9) ^ Math.imul(hi + 1, 0x27d4eb2f) ^ fmix32(index + 0x165667b1));
}
