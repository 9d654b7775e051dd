// Public entry point of @semstyle/core (browser-safe; Node file helpers are in '@semstyle/core/node').
// Registering the training kernels and gradients is this entry point's one side effect.
import './kernels/register.js';

export * from './contract/index.js';
export {
  initBackend,
  wasmThreadsInUse,
  defaultWasmThreads,
  explainBackendCrash,
  wasmHeapBytes,
  WASM_HEAP_LIMIT_BYTES,
  type ExplainBackendCrashOptions,
  type BackendName,
  type InitBackendOptions,
} from './backend.js';

// Configs
export { presetConfig, PRESET_NAMES, type PresetName } from './config/presets.js';
export { configFromOfficialArgs, configToOfficialArgs, defaultRegionNames, TRAIN_PY_DEFAULTS } from './config/official-config.js';
export { officialChannelTable } from './config/official-channels.js';
export { validateGeneratorConfig, validateDiscriminatorConfig, validateModelConfig } from './config/validate-config.js';

// Latents
export {
  zLatent,
  wLatent,
  wPlusLatent,
  sampleZ,
  broadcastToWPlus,
  truncate,
  swapCodes,
  interpolate,
  getCode,
  concatLatents,
  expectSpace,
  type CodeSelection,
  type InterpolationMethod,
} from './latent/latents.js';
export { latentLayout, slotIndex, regionSlots, regionIndex, expansionIndices } from './latent/layout.js';

// Models
export { SemanticStyleGAN, type GenerateOptions, type MeanWOptions } from './model/semantic-stylegan.js';
export { DualBranchDiscriminator } from './model/dual-branch-discriminator.js';
export type { LoadParametersOptions } from './model/load-parameters.js';
export { ParameterStore, type ParamSpec, type ParamLayout } from './networks/parameters.js';
export { generatorParamSpecs } from './networks/generator.js';
export { discriminatorParamSpecs } from './networks/discriminator.js';

// Checkpoints (bytes in, models out)
export {
  loadCheckpoint,
  detectCheckpointFormat,
  type CheckpointFormat,
  type GeneratorWeights,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
} from './io/load-checkpoint.js';
export { readSafetensors, writeSafetensors } from './io/safetensors.js';
export { openTorchCheckpoint, type TorchCheckpoint } from './io/pytorch/index.js';
export type { HostTensor, HostDType, StateDict } from './io/host-tensor.js';

// Training building blocks
export { discriminatorLogisticLoss, generatorNonSaturatingLoss, maskRegularizer } from './training/losses.js';
export * from './training/index.js';
export { registerSemstyleKernels } from './kernels/register.js';

// Pictures from tensors (8-bit RGB; encoding to PNG is the caller's, e.g. the CLI)
export * from './visualize/index.js';
export { SeededRandom, seededNormal, mulberry32 } from './latent/random.js';

// Native format (tfjs weights manifest + semstyle metadata) through tfjs IO handlers; official safetensors export
export {
  saveModel,
  loadModel,
  loadModelFromUrl,
  loadGeneratorFromUrl,
  nativeModelJsonUrl,
  modelFromArtifacts,
  nativeArtifacts,
  nativeContents,
  exportSafetensors,
  NATIVE_FORMAT,
  NATIVE_FORMAT_VERSION,
  NATIVE_SHARD_BYTES,
  type ModelContents,
  type LoadFromUrlOptions,
  type NativeMetadata,
  type NativeModule,
} from './io/native/index.js';
// Validation helpers for plugins (typed errors that name the tensor).
export { assertShape, assertFinite } from './latent/validate.js';
