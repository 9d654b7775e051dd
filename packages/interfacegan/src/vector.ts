import { InputError } from '@semstyle/core';

/** Plain-array vector helpers in float64 (directions are small: ≤ nLatent · styleDim numbers). */
export type VectorLike = ArrayLike<number>;

export function dot(a: VectorLike, b: VectorLike): number {
  if (a.length !== b.length) {
    throw new InputError('E_SHAPE', `Vectors differ in length: ${a.length} vs ${b.length}.`, { details: { a: a.length, b: b.length } });
  }
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm(a: VectorLike): number {
  return Math.sqrt(dot(a, a));
}

/** a / ‖a‖ in float64; a zero (or non-finite) vector is E_INVALID_ARGUMENT. */
export function normalize(a: VectorLike, what = 'vector'): Float64Array {
  const n = norm(a);
  if (!Number.isFinite(n) || n < 1e-12) {
    throw new InputError('E_INVALID_ARGUMENT', `Cannot normalise ${what}: its norm is ${n}.`, { details: { norm: n } });
  }
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! / n;
  return out;
}

export function cosine(a: VectorLike, b: VectorLike): number {
  const d = norm(a) * norm(b);
  return d === 0 ? 0 : dot(a, b) / d;
}

export function assertFiniteVector(a: VectorLike, what: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) {
      throw new InputError('E_NON_FINITE', `${what} has a non-finite value at index ${i}.`, { details: { index: i } });
    }
  }
}
