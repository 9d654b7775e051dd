// Public, browser-safe entry point of @semstyle/metrics. File output helpers live in ./node.
export type {
  ImageSource,
  MetricContext,
  MetricDefinition,
  MetricOutput,
  MetricProgress,
  MetricResult,
  MetricValues,
  ProgressCallback,
} from './core/types.js';
export {
  calcMetric,
  getMetric,
  isValidMetric,
  listMetrics,
  registerMetric,
  type CalcMetricOptions,
  type MetricTypeMap,
} from './core/registry.js';
export type { PairedImagesOptions } from './core/paired.js';

// Features and extractors
export type { FeatureExtractor } from './features/extractor.js';
export { toFeatureSet, concatFeatureSets, selectRows, type FeatureInput, type FeatureSet } from './features/feature-set.js';
export { collectFeatures, type Collected, type CollectOptions } from './features/extract.js';
export { generatorImages, imageBatches, type GeneratorSampleSource, type SampleSource } from './features/sources.js';
export { MemoryStatsCache, canonicalJson, statsCacheKey, type CachedStats, type StatsCache, type StatsKeyParts } from './features/stats-cache.js';
export type { FeatureMetricOptions } from './features/real-fake.js';
export { pixelExtractor } from './extractors/pixels.js';
export {
  graphModelExtractor,
  layersModelExtractor,
  loadModelExtractor,
  type ModelExtractorOptions,
} from './extractors/layers-extractor.js';
export { loadNsfwjsInception, nsfwjsInceptionArtifacts, NSFWJS_INCEPTION_FEATURE_LAYER } from './extractors/nsfwjs-inception.js';

// Building blocks (usable without the registry)
export { MomentAccumulator, gaussianStats, type GaussianStats } from './ops/moments.js';
export { frechetDistance } from './ops/frechet.js';
export { sqrtmPsd, traceSqrtProduct } from './ops/sqrtm.js';
export { kernelInceptionDistance, type KidResult } from './ops/kid.js';
export { precisionRecall, knnRadiiSquared, manifoldCoverage, type PrecisionRecallResult } from './ops/precision-recall.js';
export { msePerImage, psnrPerImage } from './ops/pixel.js';
export { MS_SSIM_WEIGHTS, gaussianWindow, msSsimPerImage, ssimAndCs, ssimPerImage } from './ops/ssim.js';
export { editLocality, type LocalityInput, type LocalityResult, type Segmentation } from './ops/locality.js';
export { mixRegion, type EditedCodes } from './ops/region-edit.js';
export { lerp, slerp, percentileFilteredMean } from './ops/interpolate.js';
export { conditionalEntropy, fitLogistic } from './ops/logistic.js';
export { rowCosine } from './metrics/identity.js';

// Metric option / value types
export type { BuiltinMetricTypes } from './metrics/builtins.js';
export type { FidOptions, FidValues } from './metrics/fid.js';
export type { KidOptions, KidValues } from './metrics/kid.js';
export type { PrOptions, PrValues } from './metrics/pr.js';
export type { MseOptions, MseValues } from './metrics/mse.js';
export type { PsnrOptions, PsnrValues } from './metrics/psnr.js';
export type { SsimOptions, SsimValues } from './metrics/ssim.js';
export type { MsSsimOptions, MsSsimValues } from './metrics/ms-ssim.js';
export type { IdentityOptions, IdentityValues } from './metrics/identity.js';
export type { PplOptions, PplValues } from './metrics/ppl.js';
export type { LinearSeparabilityOptions, LinearSeparabilityValues } from './metrics/linear-separability.js';
export type { DirectionCosineOptions, DirectionCosineValues } from './metrics/direction-cosine.js';
export type { EditLocalityOptions, EditLocalityValues } from './metrics/edit-locality.js';
