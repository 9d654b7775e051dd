import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@semstyle/core';
import { svmDecision, trainLinearSvm } from './svm.js';
import { expectCode } from './test-support/setup.js';

const matrix = (rows: number[][]) => ({ data: rows.flat(), rows: rows.length, cols: rows[0]!.length });

describe('trainLinearSvm (dual coordinate descent, hinge loss)', () => {
  it('finds the hand-computed hard-margin solution without and with an intercept', () => {
    // Max margin through the origin: constraints 2w₁ ≥ 1, 2w₁ + w₂ ≥ 1 → w = (0.5, 0).
    const x = matrix([[2, 0], [-2, 0], [2, 1], [-2, -1]]);
    const noBias = trainLinearSvm(x, [1, -1, 1, -1], { C: 1e6, bias: 0, tolerance: 1e-8 });
    expect(noBias.converged).toBe(true);
    expect(noBias.weights[0]).toBeCloseTo(0.5, 6);
    expect(noBias.weights[1]).toBeCloseTo(0, 6);
    expect(noBias.intercept).toBe(0);
    // 1-D, x = 3 (+) and x = 1 (−), regularised intercept (liblinear): KKT gives w = 1, b = −2 (λ = 1.5, 3.5 ≥ 0).
    const oneD = trainLinearSvm(matrix([[3], [1]]), [1, -1], { C: 1e6, tolerance: 1e-9 });
    expect(oneD.weights[0]).toBeCloseTo(1, 5);
    expect(oneD.intercept).toBeCloseTo(-2, 5);
    expect(Array.from(svmDecision(oneD, matrix([[2], [3], [1]])))).toEqual([expect.closeTo(0, 5), expect.closeTo(1, 5), expect.closeTo(-1, 5)]);
  });

  it('reaches the optimum on overlapping random data: primal = dual, KKT conditions hold', () => {
    const rng = new SeededRandom(3);
    const n = 200;
    const d = 10;
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const y = i % 2 === 0 ? 1 : -1;
      rows.push(Array.from({ length: d }, (_, j) => rng.normal() + (j === 0 ? 0.8 * y : 0)));
      labels.push(y);
    }
    const C = 0.5;
    const m = trainLinearSvm(matrix(rows), labels, { C, tolerance: 1e-6, maxIterations: 10000 });
    expect(m.converged).toBe(true);
    // Duality gap ≈ 0 (strong duality at the optimum).
    expect(Math.abs(m.primalObjective - m.dualObjective) / m.primalObjective).toBeLessThan(1e-4);
    // KKT: α = 0 ⇒ y f ≥ 1; 0 < α < C ⇒ y f = 1; α = C ⇒ y f ≤ 1 (f includes the intercept).
    const f = svmDecision(m, matrix(rows));
    for (let i = 0; i < n; i++) {
      const margin = labels[i]! * f[i]!;
      if (m.alpha[i] === 0) expect(margin).toBeGreaterThan(1 - 1e-3);
      else if (m.alpha[i] === C) expect(margin).toBeLessThan(1 + 1e-3);
      else expect(margin).toBeCloseTo(1, 2);
    }
    // Seeded: the same seed gives the same model.
    const again = trainLinearSvm(matrix(rows), labels, { C, tolerance: 1e-6, maxIterations: 10000 });
    expect(Array.from(again.weights)).toEqual(Array.from(m.weights));
  });

  it('rejects bad input with typed errors', () => {
    const x = matrix([[1, 0], [0, 1]]);
    expectCode(() => trainLinearSvm(x, [1, 1]), 'E_INVALID_ARGUMENT');
    expectCode(() => trainLinearSvm(x, [1, 0]), 'E_INVALID_ARGUMENT');
    expectCode(() => trainLinearSvm(x, [1]), 'E_SHAPE');
    expectCode(() => trainLinearSvm({ data: [1, 2, 3], rows: 2, cols: 2 }, [1, -1]), 'E_SHAPE');
    expectCode(() => trainLinearSvm(matrix([[1, NaN], [0, 1]]), [1, -1]), 'E_NON_FINITE');
    expectCode(() => trainLinearSvm(x, [1, -1], { C: 0 }), 'E_INVALID_ARGUMENT');
  });
});
