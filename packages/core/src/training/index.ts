// Training building blocks (browser-safe). The Trainer (checkpoints on disk) is in '@semstyle/core/node'.
export { Adam, type AdamSlot } from './adam.js';
export { emaUpdate, copyParameters } from './ema.js';
export { sampleMixingPlan, mixingSelector, mixStyles, mixedWPlus, type MixingPlan } from './mixing.js';
export { r1Penalty, r1Loss, pathLengthPenalty, pathLengthNoise, type PathLengthResult } from './regularizers.js';
export {
  DEFAULT_TRAINING_OPTIONS,
  resolveTrainingOptions,
  lazyRegularizedAdam,
  emaDecayFromOptions,
  type TrainingOptions,
  type TrainingMetricHook,
  type AdamHyperparameters,
} from './options.js';
export {
  epochPermutation,
  EpochOrder,
  syntheticDataSource,
  type TrainingDataSource,
  type TrainingBatch,
  type SyntheticDataOptions,
} from './data-source.js';
