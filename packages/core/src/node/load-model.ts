import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileError } from '../contract/errors.js';
import { loadCheckpoint, type LoadCheckpointOptions, type LoadedCheckpoint } from '../io/load-checkpoint.js';
import type { SemanticStyleGAN } from '../model/semantic-stylegan.js';
import { readFileBytes } from './files.js';
import { loadModel } from '../io/native/index.js';
import { nativeFileSystemHandler } from './native-fs-handler.js';

/**
 * Where the embedded default model would live inside the package (`models/default.safetensors`). It is
 * produced by the project's training runs; until one is committed, `loadGenerator()` without a path
 * reports that clearly.
 */
export function defaultModelPath(): string {
  return fileURLToPath(new URL('../../models/default.safetensors', import.meta.url));
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
  if (path === undefined && !existsSync(source)) {
    throw new FileError(
      'E_FILE_NOT_FOUND',
      `No embedded default model in this build of @semstyle/core (expected ${source}); pass a checkpoint path, e.g. an official SemanticStyleGAN .pt file.`,
      { details: { path: source } },
    );
  }
  const loaded = await loadModelFile(source, { ...options, discriminator: false });
  return loaded.generator;
}
