import { describe, expect, it } from 'vitest';
import { expectCode } from '@semstyle/core/testing';
import { parseFlowEditStep } from './spec.js';
import { selectPairRows } from '../train/pairs.js';

describe('parseFlowEditStep (the flow-edit command line)', () => {
  it('reads deltas, values, indices and regions', () => {
    expect(parseFlowEditStep('smiling+=1.5@mouth')).toEqual({ changes: [{ attribute: 'smiling', delta: 1.5 }], regions: ['mouth'] });
    expect(parseFlowEditStep(' bald -= .5 @ hair, 7 ')).toEqual({ changes: [{ attribute: 'bald', delta: -0.5 }], regions: ['hair', 7] });
    expect(parseFlowEditStep('bangs=-2e-1')).toEqual({ changes: [{ attribute: 'bangs', value: -0.2 }] });
    expect(parseFlowEditStep('0+=3')).toEqual({ changes: [{ attribute: 0, delta: 3 }] });
  });

  it('refuses anything else with E_INVALID_ARGUMENT', () => {
    for (const bad of ['', 'smiling', 'smiling+1', 'smiling+=x', '+=1', 'smiling+=1@', 'smiling+=1@mouth,', 'smiling*=2']) {
      expectCode(() => parseFlowEditStep(bad), 'E_INVALID_ARGUMENT');
    }
  });
});

describe('selectPairRows', () => {
  it('keeps the chosen W+ rows of every sample, each still paired with its sample attributes', () => {
    // 2 samples × 3 rows × dim 2: value = 100·sample + 10·row + j.
    const latents = Float32Array.from({ length: 12 }, (_, k) => 100 * Math.floor(k / 6) + 10 * Math.floor((k % 6) / 2) + (k % 2));
    const pairs = { latents, attributes: Float32Array.from([1, 2]), n: 2, rows: 3, dim: 2, condDim: 1, attributeNames: ['a'] };
    const sel = selectPairRows(pairs, [2, 0]);
    expect(sel.rows).toBe(2);
    expect(Array.from(sel.latents)).toEqual([20, 21, 0, 1, 120, 121, 100, 101]);
    expect(sel.attributes).toBe(pairs.attributes);
    expect(sel.attributeNames).toEqual(['a']);
    expectCode(() => selectPairRows(pairs, [3]), 'E_INVALID_ARGUMENT');
    expectCode(() => selectPairRows(pairs, [1, 1]), 'E_INVALID_ARGUMENT');
    expectCode(() => selectPairRows(pairs, []), 'E_INVALID_ARGUMENT');
    expectCode(() => selectPairRows({ ...pairs, n: 3 }, [0]), 'E_SHAPE');
  });
});
