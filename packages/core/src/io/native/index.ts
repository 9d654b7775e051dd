/** semstyle's native model format (tfjs weights manifest + semstyle metadata), browser-safe. */
export {
  NATIVE_FORMAT,
  NATIVE_FORMAT_VERSION,
  NATIVE_LAYOUT,
  NATIVE_MODULES,
  NATIVE_SHARD_BYTES,
  type NativeMetadata,
  type NativeModule,
} from './format.js';
export {
  contentsConfig,
  exportSafetensors,
  loadModel,
  modelFromArtifacts,
  nativeArtifacts,
  nativeContents,
  parseNativeArtifacts,
  saveModel,
  type ModelContents,
} from './native-model.js';
export { loadGeneratorFromUrl, loadModelFromUrl, nativeModelJsonUrl, type LoadFromUrlOptions } from './from-url.js';
