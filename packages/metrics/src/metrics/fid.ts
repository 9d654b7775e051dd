import type { MetricDefinition } from '../core/types.js';
import { assertEnoughSamples } from '../core/validate.js';
import type { FeatureExtractor } from '../features/extractor.js';
import { makeRealFakeMetric, type FeatureMetricOptions } from '../features/real-fake.js';
import { frechetDistance } from '../ops/frechet.js';

export type FidOptions = FeatureMetricOptions;
export interface FidValues {
  readonly fid: number;
  readonly [key: string]: number;
}

/** A Fréchet-distance metric; `defaultExtractor` is loaded when the caller gives none. */
export function makeFidMetric(
  name: string,
  description: string,
  defaultExtractor?: () => Promise<FeatureExtractor>,
): MetricDefinition<FidOptions, FidValues> {
  return makeRealFakeMetric<FidOptions, FidValues>(
    name,
    description,
    false,
    ({ real, fake }) => {
      const why = 'FID needs a covariance (n − 1 in the denominator); use more samples than the feature width for a full-rank one';
      assertEnoughSamples(real.n, 2, 'FID real samples', why);
      assertEnoughSamples(fake.n, 2, 'FID fake samples', why);
      const d = real.moments!.d;
      return {
        values: { fid: frechetDistance(real.moments!, fake.moments!) },
        info: {
          featureDim: d,
          ...(Math.min(real.n, fake.n) <= d ? { warning: `covariances are rank-deficient (n ≤ d = ${d}); FID is biased at small n` } : {}),
        },
      };
    },
    defaultExtractor,
  );
}

export const fid = makeFidMetric(
  'fid',
  'Fréchet distance between Gaussian fits of real and fake features (any FeatureExtractor, or precomputed features).',
);
