import { InputError } from '@semstyle/core';
import { assertFiniteArray } from '../core/validate.js';
import type { GaussianStats } from './moments.js';
import { toMatrix, traceSqrtProduct } from './sqrtm.js';

/**
 * Fréchet distance between N(μ1, Σ1) and N(μ2, Σ2):
 * ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^½), computed in float64 (see `traceSqrtProduct`).
 * The result is clamped at 0 (tiny negative values are rounding).
 */
export function frechetDistance(a: GaussianStats, b: GaussianStats): number {
  if (a.d !== b.d) {
    throw new InputError('E_SHAPE', `Feature widths differ: ${a.d} vs ${b.d}.`, { details: { d1: a.d, d2: b.d } });
  }
  assertFiniteArray(a.mu, 'mu1');
  assertFiniteArray(b.mu, 'mu2');
  assertFiniteArray(a.sigma, 'sigma1');
  assertFiniteArray(b.sigma, 'sigma2');
  const d = a.d;
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += ((a.mu[i] as number) - (b.mu[i] as number)) ** 2;
  let trace = 0;
  for (let i = 0; i < d; i++) trace += (a.sigma[i * d + i] as number) + (b.sigma[i * d + i] as number);
  const cross = traceSqrtProduct(toMatrix(a.sigma, d), toMatrix(b.sigma, d));
  return Math.max(0, meanTerm + trace - 2 * cross);
}
