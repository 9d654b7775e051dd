// Public, browser-safe entry point of @semstyle/inversion. Files, PNGs and the CLI commands live in ./node.
export {
  asDifferentiable,
  asTunable,
  isDifferentiable,
  isTunable,
  generatorFingerprint,
  assertFingerprint,
  type DifferentiableGenerator,
  type DifferentiableForwardOutput,
  type TunableGenerator,
  type GeneratorParameters,
  type GeneratorFingerprint,
} from './generator.js';
export { prepareImages, type PrepareImageOptions, type ResizePolicy, type ChannelPolicy } from './image.js';
export {
  ENCODER_PRESETS,
  encoderConfigFor,
  validateEncoderConfig,
  semanticSlotLevels,
  levelSize,
  type EncoderConfig,
  type StoredEncoderConfig,
  type EncoderConfigOptions,
  type EncoderPreset,
  type EncoderPresetName,
  type PyramidLevel,
} from './encoder/config.js';
export { encoderParamSpecs, countEncoderParameters, type EncoderParamSpec } from './encoder/params.js';
export { ReStyleEncoder, type EncoderForwardOptions, type BatchNormStats } from './encoder/restyle-encoder.js';
export { restyleInvert, restyleStart, DEFAULT_RESTYLE_ITERATIONS, type RestyleOptions, type RestyleResult } from './restyle.js';
export { pixelPyramidDistance, featureDistance, resolvePerceptual, type PerceptualDistance, type SyncFeatureFn } from './losses/perceptual.js';
export { weightedMse, latentPrior, latentMse, wNorm } from './losses/reconstruction.js';
export {
  DEFAULT_ENCODER_TRAINING,
  resolveEncoderTraining,
  serializableTraining,
  type EncoderLossWeights,
  type EncoderTrainingOptions,
  type EncoderTrainingInput,
} from './train/options.js';
export { EncoderTrainer, type EncoderStepResult, type RealBatch } from './train/encoder-trainer.js';
export { PROJECTOR_SCHEDULE, projectorStep, type ProjectorSchedule } from './optimize/schedule.js';
export { wStatistics } from './optimize/w-stats.js';
export { optimizeLatent, type OptimizeOptions, type OptimizeResult, type OptimizeLossWeights } from './optimize/project.js';
export { pivotalTune, type PivotalTuningOptions, type PivotalTuningResult } from './optimize/pivotal.js';
export { regionWeight, regionIndices, type RegionMask } from './masked.js';
export { invert, type InvertOptions, type InversionResult } from './invert.js';
