import type { MetricContext, MetricDefinition, MetricValues } from '../core/types.js';
import { collectFeatures, type Collected } from './extract.js';
import type { FeatureExtractor } from './extractor.js';
import type { SampleSource } from './sources.js';
import type { StatsCache } from './stats-cache.js';

/** Options shared by FID, KID and precision/recall. */
export interface FeatureMetricOptions {
  /** Reference samples: images, precomputed features, or (rarely) a generator. */
  readonly real: SampleSource;
  /** Samples under test: usually `{ generator, num }`. */
  readonly fake: SampleSource;
  /** Feature network; required unless both sides are features (or the metric has a default). */
  readonly extractor?: FeatureExtractor;
  /**
   * Cache of the real side's statistics. Build `key` with `statsCacheKey` (or `realStatsKeyForFiles`
   * in ./node) from the file list, the extractor id and options.
   */
  readonly realCache?: { readonly cache: StatsCache; readonly key: string };
}

export interface RealFake {
  readonly real: Collected;
  readonly fake: Collected;
  readonly cacheHit: boolean;
}

/** Features (or moments) of both sides, the real side through the cache when one is given. */
export async function gatherRealFake(
  options: FeatureMetricOptions,
  extractor: FeatureExtractor | undefined,
  context: MetricContext,
  keepFeatures: boolean,
): Promise<RealFake> {
  const kind = keepFeatures ? 'features' : 'moments';
  const cacheKey = options.realCache === undefined ? undefined : `${options.realCache.key}-${kind}`;
  let real: Collected | undefined;
  let cacheHit = false;
  if (options.realCache !== undefined && cacheKey !== undefined) {
    const hit = await options.realCache.cache.get(cacheKey);
    if (hit !== undefined && (keepFeatures ? hit.features !== undefined : hit.moments !== undefined)) {
      real = hit;
      cacheHit = true;
    }
  }
  if (real === undefined) {
    real = await collectFeatures(options.real, extractor, {
      keepFeatures,
      what: 'real features',
      onBatch: (done, total) => context.progress('real', done, total),
    });
    if (options.realCache !== undefined && cacheKey !== undefined) {
      await options.realCache.cache.set(cacheKey, keepFeatures ? { n: real.n, ...(real.features ? { features: real.features } : {}) } : real);
    }
  }
  const fake = await collectFeatures(options.fake, extractor, {
    keepFeatures,
    what: 'fake features',
    onBatch: (done, total) => context.progress('fake', done, total),
  });
  return { real, fake, cacheHit };
}

/** The extractor to use: the caller's, else the metric's default (loaded now, disposed by `release`). */
export async function resolveExtractor(
  given: FeatureExtractor | undefined,
  fallback: (() => Promise<FeatureExtractor>) | undefined,
): Promise<{ extractor: FeatureExtractor | undefined; release: () => void }> {
  if (given !== undefined || fallback === undefined) return { extractor: given, release: () => {} };
  const extractor = await fallback();
  return { extractor, release: () => extractor.dispose?.() };
}

/** What a real-vs-fake metric computes from the gathered features (or moments). */
export type RealFakeCompute<O, V extends MetricValues> = (
  sides: RealFake,
  options: O,
) => { readonly values: V; readonly info?: Readonly<Record<string, unknown>> };

/**
 * A real-vs-fake feature metric (FID, KID, precision/recall, …): resolves the extractor (loading
 * `defaultExtractor` when the caller gives none, and releasing it afterwards), gathers both sides through the
 * real-side cache, and reports sample counts, extractor id and cache hit around what `compute` returns.
 */
export function makeRealFakeMetric<O extends FeatureMetricOptions, V extends MetricValues>(
  name: string,
  description: string,
  keepFeatures: boolean,
  compute: RealFakeCompute<O, V>,
  defaultExtractor?: () => Promise<FeatureExtractor>,
): MetricDefinition<O, V> {
  return {
    name,
    description,
    async run(options, context) {
      const { extractor, release } = await resolveExtractor(options.extractor, defaultExtractor);
      try {
        const sides = await gatherRealFake(options, extractor, context, keepFeatures);
        const { values, info } = compute(sides, options);
        return {
          values,
          numSamples: { real: sides.real.n, fake: sides.fake.n },
          info: { extractor: extractor?.id ?? 'features', realCacheHit: sides.cacheHit, ...info },
        };
      } finally {
        release();
      }
    },
  };
}
