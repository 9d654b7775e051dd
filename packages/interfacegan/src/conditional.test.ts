import { describe, expect, it } from 'vitest';
import { LatentSpaceError, SeededRandom, type LatentLayout } from '@semstyle/core';
import { conditionDirection, projectOut, projectOutMany, projectOutTwo } from './conditional.js';
import { makeDirection } from './direction.js';
import { expectCode } from './test-support/setup.js';
import { dot, norm } from './vector.js';

const s2 = Math.SQRT1_2;
const close = (a: ArrayLike<number>, b: number[], digits = 10) => {
  expect(a.length).toBe(b.length);
  b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, digits));
};

describe('conditional manipulation', () => {
  it('one condition: n − (n·c)c, orthogonal, norm² = 1 − (n·c)²', () => {
    const n = [s2, s2, 0];
    const p = projectOut(n, [2, 0, 0]); // conditions are normalised first
    close(p, [0, s2, 0]);
    expect(dot(p, [1, 0, 0])).toBeCloseTo(0, 12);
    expect(norm(p) ** 2).toBeCloseTo(1 - 0.5, 12);
    // A condition orthogonal to n changes nothing.
    close(projectOut(n, [0, 0, 1]), n);
  });

  it('two conditions: the closed form removes span{c₁, c₂} even when they are not orthogonal', () => {
    const n = [1, 1, 1].map((v) => v / Math.sqrt(3));
    const c1 = [1, 0, 0];
    const c2 = [s2, s2, 0]; // γ = c₁·c₂ = 1/√2
    // By hand: γ = 1/√2, n·c₁ = 1/√3, n·c₂ = √2/√3 → α = (1/√3 − 1/√3)/(1/2) = 0, β = (√2/√3 − 1/√6)/(1/2) = √2/√3.
    // n − 0·c₁ − β c₂ = (1/√3 − 1/√3, 1/√3 − 1/√3, 1/√3).
    const p = projectOutTwo(n, c1, c2);
    close(p, [0, 0, 1 / Math.sqrt(3)]);
    expect(dot(p, c1)).toBeCloseTo(0, 12);
    expect(dot(p, c2)).toBeCloseTo(0, 12);
    close(projectOutMany(n, [c1, c2]), Array.from(p));
    expectCode(() => projectOutTwo(n, c1, [3, 0, 0]), 'E_INVALID_ARGUMENT');
  });

  it('k conditions: (CCᵀ)x = Cn, n − xᵀC — hand case and agreement with an explicit orthonormal basis', () => {
    close(projectOutMany([1, 2, 3, 4], [[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 1, 0]]), [0, 0, 0, 4]);
    // Random case in 12-D with 4 conditions: compare with Gram–Schmidt projection.
    const rng = new SeededRandom(11);
    const vec = () => Array.from(rng.normalArray(12));
    const n = vec();
    const cs = [vec(), vec(), vec(), vec()];
    const basis: number[][] = [];
    for (const c of cs) {
      let v = c.slice();
      for (const b of basis) { const a = dot(v, b); v = v.map((x, i) => x - a * b[i]!); }
      const l = norm(v);
      basis.push(v.map((x) => x / l));
    }
    let expected = n.slice();
    for (const b of basis) { const a = dot(n, b); expected = expected.map((x, i) => x - a * b[i]!); }
    const p = projectOutMany(n, cs);
    close(p, expected, 9);
    for (const c of cs) expect(dot(p, c)).toBeCloseTo(0, 9);
    expectCode(() => projectOutMany(n, [cs[0]!, cs[1]!, cs[0]!.map((v, i) => v + cs[1]![i]!)]), 'E_INVALID_ARGUMENT');
  });

  it('conditionDirection renormalises, records the conditions, checks spaces and layouts', () => {
    const primary = makeDirection('w', [1, 1, 1], { offset: 2, attribute: 'smiling' });
    const age = makeDirection('w', [1, 0, 0], { attribute: 'age' });
    const glasses = makeDirection('w', [0, 1, 0], { attribute: 'eyeglasses' });
    const one = conditionDirection(primary, [age]);
    close(one.normal, [0, s2, s2], 6);
    expect(one.info.conditionedOn).toEqual(['age']);
    // offset' = offset · (n'·n): the new hyperplane passes through −offset·n.
    expect(one.offset).toBeCloseTo(2 * Math.sqrt(2 / 3), 6);
    const two = conditionDirection(primary, [age, glasses]);
    close(two.normal, [0, 0, 1], 6);
    const three = conditionDirection(makeDirection('w', [1, 2, 3, 4]), [makeDirection('w', [1, 0, 0, 0]), makeDirection('w', [0, 1, 0, 0]), makeDirection('w', [1, 1, 1, 0])]);
    close(three.normal, [0, 0, 0, 1], 6);
    expect(three.normal.length).toBe(4);
    expectCode(() => conditionDirection(age, [makeDirection('w', [2, 0, 0])]), 'E_INVALID_ARGUMENT');
    expectCode(() => conditionDirection(primary, [makeDirection('z', [1, 0, 0])]), 'E_LATENT_SPACE', LatentSpaceError);
    expectCode(() => conditionDirection(primary, [makeDirection('w', [1, 0, 0, 0])]), 'E_SHAPE');
    const layout = (regions: string[]): LatentLayout => ({ styleDim: 1, baseLayers: 1, regionNames: regions, nLatent: 1 + 2 * regions.length });
    const a = makeDirection('w+', [1, 1, 0], { layout: layout(['background']) });
    const b = makeDirection('w+', [1, 0, 0], { layout: layout(['bg']) });
    expectCode(() => conditionDirection(a, [b]), 'E_SHAPE');
  });
});
