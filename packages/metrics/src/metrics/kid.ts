import type { MetricDefinition } from '../core/types.js';
import type { FeatureExtractor } from '../features/extractor.js';
import { gatherRealFake, resolveExtractor, type FeatureMetricOptions } from '../features/real-fake.js';
import { kernelInceptionDistance, type KidOptions as KidEstimatorOptions } from '../ops/kid.js';

export interface KidOptions extends FeatureMetricOptions, KidEstimatorOptions {}
export interface KidValues {
  readonly kid: number;
  readonly kid_std: number;
  readonly [key: string]: number;
}

export function makeKidMetric(
  name: string,
  description: string,
  defaultExtractor?: () => Promise<FeatureExtractor>,
): MetricDefinition<KidOptions, KidValues> {
  return {
    name,
    description,
    async run(options, context) {
      const { extractor, release } = await resolveExtractor(options.extractor, defaultExtractor);
      try {
        const { real, fake, cacheHit } = await gatherRealFake(options, extractor, context, true);
        const r = kernelInceptionDistance(real.features!, fake.features!, options);
        return {
          values: { kid: r.kid, kid_std: r.kidStd },
          numSamples: { real: real.n, fake: fake.n },
          info: { extractor: extractor?.id ?? 'features', subsetSize: r.subsetSize, numSubsets: r.numSubsets, realCacheHit: cacheHit },
        };
      } finally {
        release();
      }
    },
  };
}

export const kid = makeKidMetric(
  'kid',
  'Kernel Inception Distance: unbiased MMD² with the cubic kernel (x·y/d + 1)³ over random subsets (100 × ≤1000).',
);
