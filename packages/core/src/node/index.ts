// Node-only helpers (file system). Browser bundles never import this entry point.
export { readFileBytes, writeFileAtomic } from './files.js';
export { loadGenerator, loadModelFile, defaultModelPath } from './load-model.js';
export { nativeFileSystemHandler, type NativeFileSystemHandlerOptions } from './native-fs-handler.js';
