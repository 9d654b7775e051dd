// Node-only helpers (file system). Browser bundles never import this entry point.
export { readFileBytes, writeFileAtomic } from './files.js';
export { loadGenerator, loadModelFile, defaultModelPath, hasDefaultModel } from './load-model.js';
export { nativeFileSystemHandler, type NativeFileSystemHandlerOptions } from './native-fs-handler.js';
export {
  Trainer,
  TRAINING_CHECKPOINT_FORMAT,
  type TrainerInit,
  type ResumeOverrides,
  type StepResult,
  type TrainingLosses,
  type TrainingProgress,
} from '../training/trainer.js';
export { encodeRgbPng } from '../training/png.js';
