import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';

/**
 * A differentiable image distance used as the "perceptual" term: images NHWC in [−1, 1] → per-image
 * distance [N]. It must be synchronous (it runs inside `tf.variableGrads`) and must not dispose its inputs.
 * LPIPS weights cannot be shipped offline, so semstyle names each distance for what it is (`id`).
 */
export interface PerceptualDistance {
  readonly id: string;
  distance(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor1D;
  dispose?(): void;
}

/** Mean over scales of the per-image mean |a − b| of 2×2-average-pooled pyramids (levels ≥ 1). Cheap. */
export function pixelPyramidDistance(options: { levels?: number } = {}): PerceptualDistance {
  const levels = options.levels ?? 3;
  if (!Number.isInteger(levels) || levels < 1) throw new InputError('E_INVALID_ARGUMENT', `levels must be a positive integer (got ${levels}).`);
  return {
    id: `pixel-pyramid-l1@${levels}`,
    distance(a, b) {
      return tf.tidy(() => {
        let x: tf.Tensor4D = a;
        let y: tf.Tensor4D = b;
        let total: tf.Tensor = tf.zeros([a.shape[0]]);
        let used = 0;
        for (let l = 0; l < levels; l++) {
          total = tf.add(total, tf.mean(tf.abs(tf.sub(x, y)), [1, 2, 3]));
          used++;
          if (x.shape[1] < 2 || x.shape[2] < 2) break;
          x = tf.avgPool(x, 2, 2, 'valid');
          y = tf.avgPool(y, 2, 2, 'valid');
        }
        return tf.div(total, used) as tf.Tensor1D;
      });
    },
  };
}

/** A synchronous feature network (images NHWC [−1, 1] → [N, D] or [N, h, w, C]); e.g. a tfjs LayersModel cut at a layer. */
export type SyncFeatureFn = (images: tf.Tensor4D) => tf.Tensor;

/**
 * Feature-space distance: 1 − cosine of the (spatially averaged) features of a differentiable network, per
 * image. Pass a synchronous forward, e.g. `(x) => sub.predict(preprocess(x))` for a LayersModel. Feature
 * extractors whose `extract` is asynchronous (face-api's) cannot run inside a gradient: use
 * `loadFaceApiIdentityDistance` from `./node`, which calls face-api's synchronous `forwardInput`.
 */
export function featureDistance(id: string, features: SyncFeatureFn, dispose?: () => void): PerceptualDistance {
  return {
    id,
    distance(a, b) {
      return tf.tidy(() => {
        const fa = rows(checkSync(features(a)));
        const fb = rows(checkSync(features(b)));
        const na = tf.div(fa, tf.add(tf.norm(fa, 'euclidean', 1, true), 1e-8));
        const nb = tf.div(fb, tf.add(tf.norm(fb, 'euclidean', 1, true), 1e-8));
        return tf.sub(1, tf.sum(tf.mul(na, nb), 1)) as tf.Tensor1D;
      });
    },
    ...(dispose ? { dispose } : {}),
  };
}

function checkSync(t: unknown): tf.Tensor {
  if (t instanceof Promise || typeof (t as { then?: unknown })?.then === 'function') {
    throw new InputError('E_INVALID_ARGUMENT', 'The feature network returned a Promise: a perceptual distance must be synchronous to be differentiated.');
  }
  return t as tf.Tensor;
}

function rows(t: tf.Tensor): tf.Tensor2D {
  return (t.rank === 4 ? tf.mean(t, [1, 2]) : tf.reshape(t, [t.shape[0]!, -1])) as tf.Tensor2D;
}

/** `undefined` → the default (pixel pyramid), `null` → no perceptual term. */
export function resolvePerceptual(p: PerceptualDistance | null | undefined): PerceptualDistance | null {
  return p === undefined ? pixelPyramidDistance() : p;
}
