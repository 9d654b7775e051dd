import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import { assertFiniteArray } from '../core/validate.js';
import { MomentAccumulator, type GaussianStats } from '../ops/moments.js';
import type { FeatureExtractor } from './extractor.js';
import { concatFeatureSets, toFeatureSet, type FeatureSet } from './feature-set.js';
import { generatorImages, imageBatches, takeImages, type SampleSource } from './sources.js';

export interface CollectOptions {
  /** Keep every feature vector (KID, precision/recall) — else only the running mean/covariance. */
  readonly keepFeatures?: boolean;
  /** Called after each batch with the number of images done (and the total when known). */
  readonly onBatch?: (done: number, total: number) => void;
  /** Used for error messages. */
  readonly what?: string;
}

export interface Collected {
  readonly n: number;
  readonly moments?: GaussianStats;
  readonly features?: FeatureSet;
}

function knownTotal(source: SampleSource): number {
  if ('generator' in source) return source.num;
  if ('images' in source) {
    if (source.images instanceof tf.Tensor) return Math.min(source.images.shape[0], source.maxImages ?? Infinity);
    return source.maxImages ?? 0;
  }
  return 0;
}

/** Image batches of a generator / image source (consumer disposes each). */
export function sourceBatches(source: Exclude<SampleSource, { features: unknown }>, batchSize: number): AsyncIterable<tf.Tensor4D> {
  if ('generator' in source) return generatorImages(source);
  const batches = imageBatches(source.images, batchSize);
  return source.maxImages === undefined ? batches : takeImages(batches, source.maxImages);
}

/**
 * Run `extractor` over a sample source and gather the features (and/or their moments). Each batch is
 * disposed as soon as its features are read; features are checked for NaN/∞ (`E_NON_FINITE`).
 */
export async function collectFeatures(
  source: SampleSource,
  extractor: FeatureExtractor | undefined,
  options: CollectOptions = {},
): Promise<Collected> {
  const what = options.what ?? 'features';
  const keep = options.keepFeatures ?? false;
  if ('features' in source) {
    const set = toFeatureSet(source.features, what);
    const acc = new MomentAccumulator();
    acc.add(set);
    return { n: set.n, ...(set.n >= 2 ? { moments: acc.finish(what) } : {}), ...(keep ? { features: set } : {}) };
  }
  if (extractor === undefined) {
    throw new InputError('E_INVALID_ARGUMENT', `${what}: images were given but no feature extractor.`);
  }
  const total = knownTotal(source);
  const acc = new MomentAccumulator();
  const parts: FeatureSet[] = [];
  let done = 0;
  for await (const batch of sourceBatches(source, extractor.batchSize ?? 16)) {
    let feats: tf.Tensor2D;
    try {
      feats = await extractor.extract(batch);
    } finally {
      batch.dispose();
    }
    const [n, d] = feats.shape;
    const data = Float32Array.from(feats.dataSync());
    feats.dispose();
    assertFiniteArray(data, `${what} (extractor ${extractor.id})`);
    const set: FeatureSet = { data, n, d };
    acc.add(set);
    if (keep) parts.push(set);
    done += n;
    options.onBatch?.(done, Math.max(total, done));
  }
  return {
    n: done,
    ...(done >= 2 ? { moments: acc.finish(what) } : {}),
    ...(keep ? { features: concatFeatureSets(parts) } : {}),
  };
}
