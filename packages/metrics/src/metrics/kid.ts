import type { MetricDefinition } from '../core/types.js';
import type { FeatureExtractor } from '../features/extractor.js';
import { makeRealFakeMetric, type FeatureMetricOptions } from '../features/real-fake.js';
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
  return makeRealFakeMetric<KidOptions, KidValues>(
    name,
    description,
    true,
    ({ real, fake }, options) => {
      const r = kernelInceptionDistance(real.features!, fake.features!, options);
      return { values: { kid: r.kid, kid_std: r.kidStd }, info: { subsetSize: r.subsetSize, numSubsets: r.numSubsets } };
    },
    defaultExtractor,
  );
}

export const kid = makeKidMetric(
  'kid',
  'Kernel Inception Distance: unbiased MMD² with the cubic kernel (x·y/d + 1)³ over random subsets (100 × ≤1000).',
);
