import type * as tf from '@tensorflow/tfjs';

/**
 * A pluggable feature network: images NHWC in [−1, 1] (any size; the extractor resizes) → features [N, D].
 * `extract` must not dispose its input; the caller owns (and disposes) the returned tensor.
 */
export interface FeatureExtractor {
  /** Stable identifier, part of every statistics-cache key (include weights version and output node). */
  readonly id: string;
  /** Feature width D, when known before the first call. */
  readonly dim?: number;
  /** Preferred batch size (memory / speed). */
  readonly batchSize?: number;
  extract(images: tf.Tensor4D): tf.Tensor2D | Promise<tf.Tensor2D>;
  /** Release the model's weights. */
  dispose?(): void;
}
