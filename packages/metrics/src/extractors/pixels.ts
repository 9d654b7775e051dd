import * as tf from '@tensorflow/tfjs';
import type { FeatureExtractor } from '../features/extractor.js';

/**
 * The image itself as features: bilinearly resized to `size`×`size` (default 64) and flattened, values in
 * [−1, 1]. A dependency-free baseline (and PPL's default distance); it measures pixels, not perception.
 */
export function pixelExtractor(options: { size?: number } = {}): FeatureExtractor {
  const size = options.size ?? 64;
  return {
    id: `pixels-${size}`,
    batchSize: 32,
    extract(images) {
      return tf.tidy(() => {
        const resized = images.shape[1] === size && images.shape[2] === size ? images : tf.image.resizeBilinear(images, [size, size], false, true);
        return resized.reshape([images.shape[0], -1]) as tf.Tensor2D;
      });
    },
  };
}
