// Public, browser-safe entry point of @semstyle/interfacegan. File helpers and `editCommand` live in ./node.
export {
  DIRECTION_FORMAT,
  assertDirectionFits,
  expectDirectionSpace,
  makeDirection,
  slotLabels,
  validateDirection,
  type Direction,
  type DirectionInfo,
} from './direction.js';
export { trainLinearSvm, svmDecision, type LinearSvmModel, type LinearSvmOptions, type SampleMatrix } from './svm.js';
export { trainBoundary, trainBoundaryDetailed, type BoundaryOptions, type BoundaryResult } from './boundary.js';
export { projectOut, projectOutTwo, projectOutMany, conditionDirection, solveSpd } from './conditional.js';
export { edit, sweep, linspace, signedDistance, liftToWPlus, toWPlusFor, type EditMode, type EditOptions } from './edit.js';
export {
  generateSamples,
  generatorConfigHash,
  generatorFingerprint,
  samplesFromLatent,
  samplesToLatent,
  concatSamples,
  type GeneratedBatch,
  type LatentSamples,
  type SampleOptions,
  type SampleProgress,
} from './samples.js';
export {
  runScorers,
  regionAreaScorer,
  regionColorScorer,
  bandScorer,
  smileScorer,
  baldScorer,
  bangsScorer,
  beardScorer,
  faceScorers,
  classifierScorer,
  withSegmenterMasks,
  classIndices,
  sharedScorers,
  attributeClassifierScorers,
  type AttributeClassifierLike,
  type AttributeClassifierScorerOptions,
  type Scorer,
  type ScoringBatch,
  type AreaScorerOptions,
  type RegionColorScorerOptions,
  type BandScorerOptions,
  type SmileScorerOptions,
  type ImageClassifier,
  type Segmenter,
  type ClassifierScorerOptions,
} from './scorers.js';
export { compareDirections, measureEditLocality, type DirectionComparison, type SlotEnergy, type EditLocalityOptions } from './restricted.js';
export {
  createEditEvaluator,
  calibrateStrength,
  compareAtEqualChange,
  type EditMethod,
  type EqualChangeComparison,
  type EditEvaluation,
  type EditEvaluator,
  type EditEvaluatorOptions,
  type Calibration,
  type CalibrationOptions,
  type CalibrationStep,
} from './evaluate.js';
export { directionToBytes, directionFromBytes, samplesToBytes, samplesFromBytes, SAMPLES_FORMAT } from './io.js';
export { dot, norm, normalize, cosine } from './vector.js';
