import type { MetricDefinition } from '../core/types.js';
import type { FeatureExtractor } from '../features/extractor.js';
import { gatherRealFake, resolveExtractor, type FeatureMetricOptions } from '../features/real-fake.js';
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
  return {
    name,
    description,
    async run(options, context) {
      const { extractor, release } = await resolveExtractor(options.extractor, defaultExtractor);
      try {
        const { real, fake, cacheHit } = await gatherRealFake(options, extractor, context, true);
        const r = precisionRecall(real.features!, fake.features!, options);
        return {
          values: { precision: r.precision, recall: r.recall },
          numSamples: { real: real.n, fake: fake.n },
          info: { extractor: extractor?.id ?? 'features', k: options.k ?? 3, realCacheHit: cacheHit },
        };
      } finally {
        release();
      }
    },
  };
}

export const pr = makePrMetric(
  'pr',
  'Improved precision and recall (Kynkäänniemi et al. 2019): k-NN manifolds, k = 3.',
);
