import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import { imageBatches } from '../features/sources.js';
import type { ImageSource, MetricContext } from './types.js';
import { assertSameShape } from './validate.js';

/** Two image sources compared image by image (reconstruction metrics). */
export interface PairedImagesOptions {
  /** Reference images, NHWC in [−1, 1]. */
  readonly a: ImageSource;
  /** Images compared with `a` (same count and size). */
  readonly b: ImageSource;
  /** Batch size when a source is one big tensor. */
  readonly batchSize?: number;
}

/**
 * Mean over all images of a per-image score computed batch by batch; the batches of `a` and `b` must
 * match in shape (`E_SHAPE` otherwise). Infinite per-image values (PSNR of identical images) are kept.
 */
export async function meanOverPairs(
  options: PairedImagesOptions,
  context: MetricContext,
  perImage: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor1D | Promise<tf.Tensor1D>,
): Promise<{ mean: number; n: number }> {
  if (options.a instanceof tf.Tensor && options.b instanceof tf.Tensor) assertSameShape(options.a, options.b, 'a', 'b');
  const total = options.a instanceof tf.Tensor ? options.a.shape[0] : 0;
  const itA = imageBatches(options.a, options.batchSize ?? 16);
  const itB = imageBatches(options.b, options.batchSize ?? 16);
  let sum = 0;
  let n = 0;
  try {
    for (;;) {
      const [ra, rb] = await Promise.all([itA.next(), itB.next()]);
      if (ra.done === true || rb.done === true) {
        if (ra.done !== true) ra.value.dispose();
        if (rb.done !== true) rb.value.dispose();
        if (ra.done !== rb.done) {
          throw new InputError('E_SHAPE', `Image sources have different lengths (${n} images read when one ended).`);
        }
        break;
      }
      try {
        assertSameShape(ra.value, rb.value, 'a batch', 'b batch');
        const scores = await perImage(ra.value, rb.value);
        const values = scores.dataSync();
        scores.dispose();
        for (const v of values) sum += v;
        n += values.length;
      } finally {
        tf.dispose([ra.value, rb.value]);
      }
      context.progress('pairs', n, Math.max(total, n));
    }
  } finally {
    await itA.return(undefined);
    await itB.return(undefined);
  }
  if (n === 0) throw new InputError('E_NOT_ENOUGH_SAMPLES', 'No images to compare: need at least 1 pair.');
  return { mean: sum / n, n };
}
