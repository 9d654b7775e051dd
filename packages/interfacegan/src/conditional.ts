import { InputError } from '@semstyle/core';
import { assertSameSpace, type Direction } from './direction.js';
import { dot, normalize, type VectorLike } from './vector.js';

/**
 * Conditional manipulation (InterFaceGAN §3.3): make a primal direction n orthogonal to condition
 * directions c₁…c_k, so that moving along it leaves the conditions' signed distances unchanged.
 * Conditions are normalised first. These functions return the projected vector *unnormalised*;
 * `conditionDirection` renormalises.
 */

/** One condition: n − (n·c)c. */
export function projectOut(n: VectorLike, c: VectorLike): Float64Array {
  const u = normalize(c, 'condition');
  const a = dot(n, u);
  const out = new Float64Array(n.length);
  for (let i = 0; i < n.length; i++) out[i] = n[i]! - a * u[i]!;
  return out;
}

/**
 * Two conditions, closed form (as InterFaceGAN's `project_boundary`): with unit c₁, c₂, γ = c₁·c₂,
 *   α = (n·c₁ − γ n·c₂) / (1 − γ²),  β = (n·c₂ − γ n·c₁) / (1 − γ²),  n' = n − αc₁ − βc₂.
 * Parallel conditions (1 − γ² < 1e-8) are E_INVALID_ARGUMENT.
 */
export function projectOutTwo(n: VectorLike, c1: VectorLike, c2: VectorLike): Float64Array {
  const u1 = normalize(c1, 'condition 1');
  const u2 = normalize(c2, 'condition 2');
  const g = dot(u1, u2);
  const denom = 1 - g * g;
  if (denom < 1e-8) {
    throw new InputError('E_INVALID_ARGUMENT', `The two conditions are parallel (cosine ${g.toFixed(6)}); project out one of them.`, {
      details: { cosine: g },
    });
  }
  const a1 = dot(n, u1);
  const a2 = dot(n, u2);
  const alpha = (a1 - g * a2) / denom;
  const beta = (a2 - g * a1) / denom;
  const out = new Float64Array(n.length);
  for (let i = 0; i < n.length; i++) out[i] = n[i]! - alpha * u1[i]! - beta * u2[i]!;
  return out;
}

/**
 * Any number of conditions: with C the k × d matrix of unit conditions, solve (CCᵀ)x = Cn (Cholesky,
 * float64) and return n − xᵀC, the component of n orthogonal to every condition. Linearly dependent
 * conditions (a singular Gram matrix) are E_INVALID_ARGUMENT.
 */
export function projectOutMany(n: VectorLike, conditions: readonly VectorLike[]): Float64Array {
  const k = conditions.length;
  if (k === 0) return Float64Array.from(n);
  if (k >= n.length) {
    throw new InputError('E_INVALID_ARGUMENT', `Cannot project out ${k} conditions in ${n.length} dimensions.`);
  }
  const C = conditions.map((c, i) => normalize(c, `condition ${i + 1}`));
  for (const c of C) {
    if (c.length !== n.length) throw new InputError('E_SHAPE', `A condition has ${c.length} values, the direction ${n.length}.`);
  }
  const G = new Float64Array(k * k);
  const r = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    r[i] = dot(C[i]!, n);
    for (let j = 0; j <= i; j++) G[i * k + j] = G[j * k + i] = dot(C[i]!, C[j]!);
  }
  const x = solveSpd(G, r, k);
  const out = Float64Array.from(n);
  for (let i = 0; i < k; i++) {
    const c = C[i]!;
    const xi = x[i]!;
    for (let j = 0; j < out.length; j++) out[j] = out[j]! - xi * c[j]!;
  }
  return out;
}

/** Solve Gx = r for a symmetric positive-definite k × k G by Cholesky; near-singular G is E_INVALID_ARGUMENT. */
export function solveSpd(G: ArrayLike<number>, r: ArrayLike<number>, k: number): Float64Array {
  const L = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = G[i * k + j]!;
      for (let m = 0; m < j; m++) s -= L[i * k + m]! * L[j * k + m]!;
      if (i === j) {
        // Unit conditions: G's diagonal is 1, so this pivot is the squared distance of cᵢ from the span of the earlier ones.
        if (!(s > 1e-8)) {
          throw new InputError('E_INVALID_ARGUMENT', `The conditions are linearly dependent (condition ${i + 1} lies in the span of the ones before it).`, {
            details: { condition: i, pivot: s },
          });
        }
        L[i * k + i] = Math.sqrt(s);
      } else {
        L[i * k + j] = s / L[j * k + j]!;
      }
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = r[i]!;
    for (let m = 0; m < i; m++) s -= L[i * k + m]! * y[m]!;
    y[i] = s / L[i * k + i]!;
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let m = i + 1; m < k; m++) s -= L[m * k + i]! * x[m]!;
    x[i] = s / L[i * k + i]!;
  }
  return x;
}

/**
 * Condition a direction on others: project them out (one: n − (n·c)c; two: the closed form; more: the
 * linear system) and renormalise. The result keeps the primary's space and layout; its offset is chosen
 * so its hyperplane passes through the point of the primary hyperplane nearest the origin (−offset·n),
 * i.e. offset' = offset · (n'·n). `info.conditionedOn` lists the conditions' attributes; `info.accuracy`
 * is null (the projected normal is no longer the trained SVM's).
 *
 * Errors: different spaces → `LatentSpaceError`; different layouts → E_SHAPE; dependent conditions, or a
 * primary inside their span (nothing left after projecting) → E_INVALID_ARGUMENT.
 */
export function conditionDirection<D extends Direction>(primary: D, conditions: readonly Direction[]): D {
  for (const c of conditions) assertSameSpace(primary, c, 'a direction and its condition');
  const n = primary.normal;
  const projected =
    conditions.length === 0
      ? Float64Array.from(n)
      : conditions.length === 1
        ? projectOut(n, conditions[0]!.normal)
        : conditions.length === 2
          ? projectOutTwo(n, conditions[0]!.normal, conditions[1]!.normal)
          : projectOutMany(
              n,
              conditions.map((c) => c.normal),
            );
  let s = 0;
  for (let i = 0; i < projected.length; i++) s += projected[i]! * projected[i]!;
  const norm = Math.sqrt(s);
  if (norm < 1e-6) {
    throw new InputError('E_INVALID_ARGUMENT', `"${primary.info.attribute}" lies in the span of its conditions: nothing is left after projecting them out.`, {
      details: { norm },
    });
  }
  const normal = new Float32Array(projected.length);
  let cos = 0;
  for (let i = 0; i < projected.length; i++) {
    normal[i] = projected[i]! / norm;
    cos += normal[i]! * n[i]!;
  }
  const all = [primary, ...conditions];
  const restricted = all.every((d) => d.info.slots !== null);
  const union = <T>(pick: (d: Direction) => readonly T[] | null): T[] | null =>
    restricted ? [...new Set(all.flatMap((d) => pick(d) ?? []))] : null;
  return {
    ...primary,
    normal,
    offset: primary.offset * cos,
    info: {
      ...primary.info,
      accuracy: null,
      slots: union((d) => d.info.slots)?.sort((a, b) => a - b) ?? null,
      regions: union((d) => d.info.regions),
      kinds: union((d) => d.info.kinds),
      conditionedOn: [...primary.info.conditionedOn, ...conditions.map((c) => c.info.attribute)],
    },
  };
}
