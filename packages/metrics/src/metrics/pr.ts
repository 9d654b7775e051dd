import type { MetricDefinition } from '../core/types.js';
import type { FeatureExtractor } from '../features/extractor.js';
import { makeRealFakeMetric, type FeatureMetricOptions } from '../features/real-fake.js';
import { precisionRecall, type PrecisionRecallOptions } from '../ops/precision-recall.js';

export interface PrOptions extends FeatureMetricOptions, PrecisionRecallOptions {}
export interface PrValues {
  readonly precision: number;
  readonly recall: number;
  readonly [key: string]: number;
}

export function makePrMetric(
  name: string,
  description: string,
  defaultExtractor?: () => Promise<FeatureExtractor>,
): MetricDefinition<PrOptions, PrValues> {
  return makeRealFakeMetric<PrOptions, PrValues>(
    name,
    description,
    true,
    ({ real, fake }, options) => {
      const r = precisionRecall(real.features!, fake.features!, options);
      return { values: { precision: r.precision, recall: r.recall }, info: { k: options.k ?? 3 } };
    },
    defaultExtractor,
  );
}

export const pr = makePrMetric(
  'pr',
  'Improved precision and recall (Kynkäänniemi et al. 2019): k-NN manifolds, k = 3.',
);
