import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import { meanOverPairs, type PairedImagesOptions } from '../core/paired.js';
import type { MetricDefinition } from '../core/types.js';
import type { FeatureExtractor } from '../features/extractor.js';

export interface IdentityOptions extends PairedImagesOptions {
  /**
   * Face embedding network (images NHWC [−1, 1] → [N, D]); e.g. `loadFaceApiRecognition()` from
   * `@semstyle/metrics/node` (face-api's 128-d ResNet-34 face descriptor).
   */
  readonly embedder: FeatureExtractor;
}

export interface IdentityValues {
  readonly identity_cosine: number;
  readonly [key: string]: number;
}

/** Row-wise cosine similarity [N] of two [N, D] tensors (not disposed). */
export function rowCosine(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => a.mul(b).sum(1).div(tf.maximum(a.norm(2, 1).mul(b.norm(2, 1)), 1e-12)) as tf.Tensor1D);
}

export const identity: MetricDefinition<IdentityOptions, IdentityValues> = {
  name: 'identity',
  description: 'Identity similarity: mean cosine between face embeddings of paired images (embedder pluggable; face-api recognition net in ./node).',
  async run(options, context) {
    const embedder = options.embedder as FeatureExtractor | undefined;
    if (embedder === undefined) {
      throw new InputError('E_INVALID_ARGUMENT', 'identity needs an `embedder` (e.g. loadFaceApiRecognition() from @semstyle/metrics/node).');
    }
    const { mean, n } = await meanOverPairs(options, context, async (a, b) => {
      const ea = await embedder.extract(a);
      try {
        const eb = await embedder.extract(b);
        try {
          return rowCosine(ea, eb);
        } finally {
          eb.dispose();
        }
      } finally {
        ea.dispose();
      }
    });
    return { values: { identity_cosine: mean }, numSamples: { pairs: n }, info: { embedder: embedder.id } };
  },
};
