import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import { assertRank, assertSameShape } from '../core/validate.js';

/** Segmentation: logits / probabilities [N, h, w, K] (argmax is taken) or integer labels [N, h, w]. */
export type Segmentation = tf.Tensor4D | tf.Tensor3D;

export interface LocalityInput {
  /** Images before / after the edit, NHWC, same shape. Not disposed. */
  readonly before: tf.Tensor4D;
  readonly after: tf.Tensor4D;
  /** Segmentations of the two images (any resolution; resized nearest to the image). Not disposed. */
  readonly segBefore: Segmentation;
  readonly segAfter: Segmentation;
  /** Class indices of the edited region R. */
  readonly editedClasses: readonly number[];
  /** Number of classes K (needed for labels [N, h, w]; read from the last axis of logits otherwise). */
  readonly numClasses?: number;
  /** Optional spatial feature maps before / after, [N, h', w', C'] (e.g. a generator's intermediate features). */
  readonly featuresBefore?: tf.Tensor4D;
  readonly featuresAfter?: tf.Tensor4D;
}

export interface LocalityResult {
  /** Mean over images of the fraction of absolute pixel change outside R (0 = perfectly local). */
  readonly outsideFraction: number;
  /** The same per image (0 for an image that did not change at all). */
  readonly outsideFractionPerImage: readonly number[];
  /**
   * Σ|Δ| outside R over Σ|Δ| everywhere, pooled over the batch (0 when nothing changed): weighs each image by
   * how much the edit changed it, so images where the edit did almost nothing (e.g. a hat swap between two
   * hatless faces, whose small change is all "outside") do not dominate.
   */
  readonly pooledOutsideFraction: number;
  /** Σ|Δ| (pixel change summed over channels) outside R and everywhere, over the batch: pool several batches with these. */
  readonly changeOutside: number;
  readonly changeTotal: number;
  /** Fraction of absolute feature change outside R, when feature maps were given. */
  readonly featureOutsideFraction?: number;
  /** IoU of each non-edited class's mask before vs after, pooled over the batch; classes absent from both are omitted. */
  readonly iouPerClass: Readonly<Record<number, number>>;
  /** Mean of `iouPerClass` (NaN when no non-edited class is present). */
  readonly meanIou: number;
}

function toLabels(seg: Segmentation, what: string): tf.Tensor3D {
  if (seg.rank === 4) return tf.argMax(seg, 3) as tf.Tensor3D;
  if (seg.rank === 3) return seg.toInt() as tf.Tensor3D;
  throw new InputError('E_SHAPE', `${what} must be [N, h, w, K] or [N, h, w], got [${seg.shape.join(', ')}].`);
}

/** 1 where the label is one of `classes`, else 0: [N, h, w, 1] float. */
function regionMask(labels: tf.Tensor3D, classes: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    let m = tf.zerosLike(labels).cast('bool');
    for (const c of classes) m = tf.logicalOr(m, tf.equal(labels, c));
    return m.cast('float32').expandDims(3) as tf.Tensor4D;
  });
}

/** Σ|after − before| (summed over channels) where `inside` is 0, and everywhere, per image: [N, 2]. */
function outsideAndTotalChange(before: tf.Tensor4D, after: tf.Tensor4D, inside: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const change = tf.abs(tf.sub(after, before)).sum(3, true);
    return tf.stack([change.mul(tf.scalar(1).sub(inside)).sum([1, 2, 3]), change.sum([1, 2, 3])], 1) as tf.Tensor2D;
  });
}

/** outside / total; an image (or batch) that did not change at all leaked nothing. */
export function share(outside: number, total: number): number {
  return total > 0 ? outside / total : 0;
}

function shares(changes: ArrayLike<number>): number[] {
  return Array.from({ length: changes.length / 2 }, (_, i) => share(changes[2 * i]!, changes[2 * i + 1]!));
}

/**
 * Edit locality for an edit of region R: how much of the change falls outside R's mask (the union of
 * R before and after the edit, from the segmentations), plus how stable the other classes' masks are.
 */
export function editLocality(input: LocalityInput): LocalityResult {
  const { before, after } = input;
  assertRank(before, 4, 'before');
  assertRank(after, 4, 'after');
  assertSameShape(before, after, 'before', 'after');
  assertSameShape(input.segBefore, input.segAfter, 'segBefore', 'segAfter');
  if (input.segBefore.shape[0] !== before.shape[0]) {
    throw new InputError('E_SHAPE', `Segmentations hold ${input.segBefore.shape[0]} images, the images ${before.shape[0]}.`);
  }
  const k = input.numClasses ?? (input.segBefore.rank === 4 ? input.segBefore.shape[3] : undefined);
  if (k === undefined) {
    throw new InputError('E_INVALID_ARGUMENT', 'numClasses is required when segmentations are integer labels [N, h, w].');
  }
  for (const c of input.editedClasses) {
    if (!Number.isInteger(c) || c < 0 || c >= k) {
      throw new InputError('E_UNKNOWN_REGION', `Edited class ${c} is not in [0, ${k}).`, { details: { class: c, numClasses: k } });
    }
  }
  if ((input.featuresBefore === undefined) !== (input.featuresAfter === undefined)) {
    throw new InputError('E_INVALID_ARGUMENT', 'Give both featuresBefore and featuresAfter, or neither.');
  }
  const [, h, w] = before.shape;
  const labelsB = toLabels(input.segBefore, 'segBefore');
  const labelsA = toLabels(input.segAfter, 'segAfter');
  try {
    const unionLow = tf.tidy(() => tf.maximum(regionMask(labelsB, input.editedClasses), regionMask(labelsA, input.editedClasses)) as tf.Tensor4D);
    const pixelChange = tf.tidy(() => outsideAndTotalChange(before, after, tf.image.resizeNearestNeighbor(unionLow, [h, w])));
    let featureChange: tf.Tensor2D | undefined;
    if (input.featuresBefore !== undefined && input.featuresAfter !== undefined) {
      const fb = input.featuresBefore;
      const fa = input.featuresAfter;
      assertRank(fb, 4, 'featuresBefore');
      assertSameShape(fb, fa, 'featuresBefore', 'featuresAfter');
      // Soft mask for (usually coarser) feature maps: bilinear resampling of the 0/1 union mask.
      featureChange = tf.tidy(() => outsideAndTotalChange(fb, fa, tf.image.resizeBilinear(unionLow, [fb.shape[1], fb.shape[2]]).clipByValue(0, 1) as tf.Tensor4D));
    }
    unionLow.dispose();
    const changes = pixelChange.dataSync();
    pixelChange.dispose();
    const perImage = shares(changes);
    let outsideSum = 0;
    let totalSum = 0;
    for (let i = 0; i < changes.length; i += 2) {
      outsideSum += changes[i]!;
      totalSum += changes[i + 1]!;
    }
    let featureOutsideFraction: number | undefined;
    if (featureChange !== undefined) {
      const f = shares(featureChange.dataSync());
      featureOutsideFraction = f.reduce((s, v) => s + v, 0) / f.length;
      featureChange.dispose();
    }
    const edited = new Set(input.editedClasses);
    const others = Array.from({ length: k }, (_, c) => c).filter((c) => !edited.has(c));
    const iouPerClass: Record<number, number> = {};
    if (others.length > 0) {
      const counts = tf.tidy(() => {
        const rows = others.map((c) => {
          const mb = tf.equal(labelsB, c);
          const ma = tf.equal(labelsA, c);
          return tf.stack([tf.logicalAnd(mb, ma).cast('float32').sum(), tf.logicalOr(mb, ma).cast('float32').sum()]);
        });
        return tf.stack(rows);
      });
      const values = counts.dataSync();
      counts.dispose();
      others.forEach((c, i) => {
        const union = values[2 * i + 1] as number;
        if (union > 0) iouPerClass[c] = (values[2 * i] as number) / union;
      });
    }
    const ious = Object.values(iouPerClass);
    return {
      outsideFraction: perImage.reduce((s, v) => s + v, 0) / perImage.length,
      outsideFractionPerImage: perImage,
      pooledOutsideFraction: share(outsideSum, totalSum),
      changeOutside: outsideSum,
      changeTotal: totalSum,
      ...(featureOutsideFraction === undefined ? {} : { featureOutsideFraction }),
      iouPerClass,
      meanIou: ious.length === 0 ? Number.NaN : ious.reduce((s, v) => s + v, 0) / ious.length,
    };
  } finally {
    tf.dispose([labelsB, labelsA]);
  }
}
