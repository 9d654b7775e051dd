import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileError } from '../contract/errors.js';
import { loadCheckpoint, type LoadCheckpointOptions, type LoadedCheckpoint } from '../io/load-checkpoint.js';
import type { SemanticStyleGAN } from '../model/semantic-stylegan.js';
import { readFileBytes } from './files.js';
import { loadModel } from '../io/native/index.js';
import { nativeFileSystemHandler } from './native-fs-handler.js';

/**
 * The embedded default model: a native model folder (`model.json` + weights) at `models/default/` inside
 * the package, trained by the project on synthetic faces (its model card is `models/default/README.md`).
 */
export function defaultModelPath(): string {
  return fileURLToPath(new URL('../../models/default', import.meta.url));
}

/** Whether this build carries the embedded default model. */
export function hasDefaultModel(): boolean {
  return existsSync(join(defaultModelPath(), 'model.json'));
}

function isNativeModel(path: string): boolean {
  if (path.endsWith('model.json')) return true;
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Load a model from disk: an official `.pt`, a safetensors file, or a native model folder (or its model.json). */
export async function loadModelFile(path: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  if (isNativeModel(path)) return loadModel(nativeFileSystemHandler(path.endsWith('model.json') ? dirname(path) : path), options);
  return loadCheckpoint(await readFileBytes(path), options);
}

/**
 * Load a generator from a checkpoint path (official `.pt`, or safetensors with config metadata); without a
 * path, the embedded default model. The caller owns the generator (`dispose()` it).
 */
export async function loadGenerator(path?: string, options: LoadCheckpointOptions = {}): Promise<SemanticStyleGAN> {
  const source = path ?? defaultModelPath();
  if (path === undefined && !hasDefaultModel()) {
    throw new FileError(
      'E_FILE_NOT_FOUND',
      `No embedded default model in this build of @semstyle/core (expected ${source}); pass a checkpoint path, e.g. an official SemanticStyleGAN .pt file.`,
      { details: { path: source } },
    );
  }
  const loaded = await loadModelFile(source, { ...options, discriminator: false });
  return loaded.generator;
}
