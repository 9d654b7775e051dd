import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileError } from '../contract/errors.js';
import { loadCheckpoint, type LoadCheckpointOptions, type LoadedCheckpoint } from '../io/load-checkpoint.js';
import type { SemanticStyleGAN } from '../model/semantic-stylegan.js';
import { readFileBytes } from './files.js';

/**
 * Where the embedded default model would live inside the package (`models/default.safetensors`). It is
 * produced by the project's training runs; until one is committed, `loadGenerator()` without a path
 * reports that clearly.
 */
export function defaultModelPath(): string {
  return fileURLToPath(new URL('../../models/default.safetensors', import.meta.url));
}

/** Load a checkpoint file (.pt or .safetensors) from disk. */
export async function loadModelFile(path: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
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
