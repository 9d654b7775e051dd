import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { leaked, useWasm } from '../test-support/setup.js';
import { quadrantLabels } from '../test-support/fake-generator.js';
import { editLocality } from './locality.js';

beforeAll(useWasm);

const RES = 8;
// Labels [1, 8, 8]: quadrants 0 (top-left), 1 (top-right), 2 (bottom-left), 3 (bottom-right).
const labels = () => tf.tensor3d(quadrantLabels(RES), [1, RES, RES], 'int32');
/** An image that is 0 except `value` on the pixels with label in `where`. */
const paint = (where: number[], value: number) =>
  tf.tensor4d(Array.from(quadrantLabels(RES)).flatMap((l) => { const v = where.includes(l) ? value : 0; return [v, v, v]; }), [1, RES, RES, 3]);

describe('editLocality', () => {
  it('is 0 for a change wholly inside the edited region and 1 for one wholly outside', async () => {
    const seg = labels();
    const before = paint([], 0);
    const inside = paint([1], 0.7);
    const outside = paint([2, 3], -0.4);
    let rIn: ReturnType<typeof editLocality> | undefined;
    expect(await leaked(() => (rIn = editLocality({ before, after: inside, segBefore: seg, segAfter: seg, editedClasses: [1], numClasses: 4 })))).toBe(0);
    expect(rIn!.outsideFraction).toBe(0);
    const rOut = editLocality({ before, after: outside, segBefore: seg, segAfter: seg, editedClasses: [1], numClasses: 4 });
    expect(rOut.outsideFraction).toBeCloseTo(1, 6);
    // Half the change inside: one quadrant inside, one outside, same magnitude.
    const half = editLocality({ before, after: paint([1, 2], 0.3), segBefore: seg, segAfter: seg, editedClasses: [1], numClasses: 4 });
    expect(half.outsideFraction).toBeCloseTo(0.5, 6);
    // Unchanged masks: IoU 1 for every non-edited class.
    expect(rIn!.iouPerClass).toEqual({ 0: 1, 2: 1, 3: 1 });
    expect(rIn!.meanIou).toBe(1);
    tf.dispose([seg, before, inside, outside]);
  });

  it('pools the change over the batch: a barely changed image weighs by its change, not as a whole image', () => {
    // Image 0: 0.01 on quadrant 2 (outside region 1) → share 1. Image 1: 0.5 on quadrant 1 (inside) → share 0.
    const seg = tf.concat([labels(), labels()]);
    const before = tf.zeros([2, RES, RES, 3]) as tf.Tensor4D;
    const after = tf.concat([paint([2], 0.01), paint([1], 0.5)]);
    const r = editLocality({ before, after, segBefore: seg, segAfter: seg, editedClasses: [1], numClasses: 4 });
    expect(r.outsideFractionPerImage.map((v) => Number(v.toFixed(6)))).toEqual([1, 0]);
    expect(r.outsideFraction).toBeCloseTo(0.5, 6);
    // 16 pixels × 3 channels each: Σ|Δ| outside 0.48, in all 0.48 + 24 → 0.48 / 24.48.
    expect(r.changeOutside).toBeCloseTo(0.48, 5);
    expect(r.changeTotal).toBeCloseTo(24.48, 4);
    expect(r.pooledOutsideFraction).toBeCloseTo(0.48 / 24.48, 6);
    // Nothing changed at all: nothing leaked.
    const still = editLocality({ before, after: before, segBefore: seg, segAfter: seg, editedClasses: [1], numClasses: 4 });
    expect(still.pooledOutsideFraction).toBe(0);
    expect(still.outsideFraction).toBe(0);
    tf.dispose([seg, before, after]);
  });

  it('uses the union of the region before and after, logits of any resolution, and feature maps', () => {
    // After the edit, region 1 grows into quadrant 3 (labels at 2× lower resolution, as logits).
    const low = (grow: boolean) => {
      const l = quadrantLabels(4).map((v) => (grow && v === 3 ? 1 : v));
      return tf.oneHot(tf.tensor3d(l, [1, 4, 4], 'int32'), 4).toFloat() as tf.Tensor4D;
    };
    const segB = low(false);
    const segA = low(true);
    const before = paint([], 0);
    const after = paint([3], 1); // change in quadrant 3, which is region 1 after the edit → inside the union
    const fb = tf.zeros([1, 2, 2, 5]) as tf.Tensor4D;
    const fa = tf.tensor4d([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], [1, 2, 2, 5]); // change in quadrant 2 (bottom-left)
    const r = editLocality({ before, after, segBefore: segB, segAfter: segA, editedClasses: [1], featuresBefore: fb, featuresAfter: fa });
    expect(r.outsideFraction).toBe(0);
    expect(r.featureOutsideFraction).toBeCloseTo(1, 6);
    // Class 3 vanished after the edit: IoU 0.
    expect(r.iouPerClass[3]).toBe(0);
    expect(r.iouPerClass[0]).toBe(1);
    tf.dispose([segB, segA, before, after, fb, fa]);
  });

  it('rejects mismatched images, unknown classes and missing class counts', () => {
    const seg = labels();
    const a = paint([], 0);
    const b = tf.zeros([1, RES, RES + 1, 3]) as tf.Tensor4D;
    expect(() => editLocality({ before: a, after: b, segBefore: seg, segAfter: seg, editedClasses: [1], numClasses: 4 })).toThrow(
      expect.objectContaining({ code: 'E_SHAPE' }),
    );
    expect(() => editLocality({ before: a, after: a, segBefore: seg, segAfter: seg, editedClasses: [7], numClasses: 4 })).toThrow(
      expect.objectContaining({ code: 'E_UNKNOWN_REGION' }),
    );
    expect(() => editLocality({ before: a, after: a, segBefore: seg, segAfter: seg, editedClasses: [1] })).toThrow(/numClasses/);
    tf.dispose([seg, a, b]);
  });
});
