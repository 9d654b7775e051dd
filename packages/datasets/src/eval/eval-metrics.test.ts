/** rocAuc against hand-computed cases and a brute-force count over all positive/negative pairs. */
import { describe, expect, it } from 'vitest';
import { rocAuc } from './eval-metrics.js';

/** P(positive > negative) + ½ P(tie), by counting every pair. */
function pairwiseAuc(scores: number[], truth: boolean[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!truth[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (truth[j]) continue;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('rocAuc', () => {
  it('matches hand-computed values', () => {
    // Positives 0.35 and 0.8 against negatives 0.1 and 0.4: three of four pairs ordered right.
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([1, 2, 3, 4], [false, false, true, true])).toBe(1);
    expect(rocAuc([4, 3, 2, 1], [false, false, true, true])).toBe(0);
    // Ties count half: positives {1, 2} vs negative {1} → (0.5 + 1) / 2.
    expect(rocAuc([1, 1, 2], [0, 1, 1])).toBe(0.75);
    expect(rocAuc([5, 5, 5, 5], [0, 1, 0, 1])).toBe(0.5);
  });

  it('equals the pairwise count on random scores with ties', () => {
    let state = 7;
    const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const scores = Array.from({ length: 300 }, () => Math.round(next() * 40) / 4);
    const truth = scores.map((s) => next() < 0.2 + s / 20);
    expect(rocAuc(scores, truth)).toBeCloseTo(pairwiseAuc(scores, truth), 12);
  });

  it('is NaN with one class absent, and refuses mismatched lengths and non-finite scores', () => {
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
    expect(rocAuc([1, 2], [0, 0])).toBeNaN();
    expect(() => rocAuc([1, 2], [1])).toThrow(/2 scores for 1 labels/);
    expect(() => rocAuc([1, Number.NaN], [0, 1])).toThrow(/score 1 is NaN/);
  });
});
