import * as tf from '@tensorflow/tfjs';
import type { SemanticGeneratorV1 } from '@semstyle/core';
import type { ImageSource } from '../core/types.js';
import { assertInt } from '../core/validate.js';
import type { FeatureInput } from './feature-set.js';

/** Images to be sampled from a generator: `num` images from Z seeds `seed`, `seed + 1`… in batches. */
export interface GeneratorSampleSource {
  readonly generator: SemanticGeneratorV1;
  readonly num: number;
  readonly seed?: number;
  readonly batchSize?: number;
  readonly truncation?: number;
}

/** Where a feature metric gets one side's samples: images, a generator, or precomputed features. */
export type SampleSource =
  | { readonly images: ImageSource; readonly maxImages?: number }
  | GeneratorSampleSource
  | { readonly features: FeatureInput };

/**
 * Batches of an image source. Every yielded batch belongs to the consumer (dispose it): slices of a
 * tensor source are fresh tensors, batches of an iterable are passed through.
 */
export async function* imageBatches(source: ImageSource, batchSize = 32): AsyncGenerator<tf.Tensor4D> {
  if (source instanceof tf.Tensor) {
    const n = source.shape[0];
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      yield tf.slice(source, [start, 0, 0, 0], [size, -1, -1, -1]);
    }
    return;
  }
  for await (const batch of source as AsyncIterable<tf.Tensor4D>) yield batch;
}

/** Stop an image source after `max` images (the surplus of the last batch is dropped). */
export async function* takeImages(batches: AsyncIterable<tf.Tensor4D>, max: number): AsyncGenerator<tf.Tensor4D> {
  let seen = 0;
  for await (const batch of batches) {
    if (seen >= max) {
      batch.dispose();
      break;
    }
    const keep = Math.min(batch.shape[0], max - seen);
    seen += keep;
    if (keep === batch.shape[0]) {
      yield batch;
    } else {
      const part = tf.slice(batch, [0, 0, 0, 0], [keep, -1, -1, -1]);
      batch.dispose();
      yield part;
    }
  }
}

/**
 * Images from a generator (`map` → `toWPlus` → `synthesize`), clamped to [-1, 1] as every saved picture
 * is (the raw output is unbounded); everything else is disposed.
 */
export async function* generatorImages(source: GeneratorSampleSource): AsyncGenerator<tf.Tensor4D> {
  const { generator, num } = source;
  const batchSize = source.batchSize ?? 8;
  const seed = source.seed ?? 0;
  assertInt(num, 1, 'num');
  assertInt(batchSize, 1, 'batchSize');
  for (let start = 0; start < num; start += batchSize) {
    const size = Math.min(batchSize, num - start);
    const z = generator.sampleZ(size, seed + start);
    const w = generator.map(z, source.truncation === undefined ? {} : { truncation: source.truncation });
    const wp = generator.toWPlus(w);
    const out = generator.synthesize(wp);
    const image = tf.clipByValue(out.image, -1, 1) as tf.Tensor4D;
    tf.dispose([z.tensor, w.tensor, wp.tensor, out]);
    yield image;
  }
}
