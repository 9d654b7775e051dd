import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileError, type SemanticGeneratorV1 } from '@semstyle/core';
import type { ReStyleEncoder } from '../encoder/restyle-encoder.js';
import { loadEncoder } from './checkpoint.js';

/**
 * The embedded default encoder: a ReStyle encoder trained by the project for core's embedded default model
 * (`@semstyle/core`'s `loadGenerator()` without a path). Inference weights only; its model card is
 * `models/default-encoder/README.md` inside the package.
 */
export function defaultEncoderPath(): string {
  return fileURLToPath(new URL('../../models/default-encoder/encoder-weights.safetensors', import.meta.url));
}

/** Whether this build carries the embedded default encoder. */
export function hasDefaultEncoder(): boolean {
  return existsSync(defaultEncoderPath());
}

/**
 * Load the embedded default encoder. With `generator`, one of another configuration is refused
 * (`E_CONFIG_MISMATCH`); it was trained for core's embedded default model, so other weights of the same
 * configuration invert poorly. The caller owns the encoder (`dispose()` it).
 */
export async function loadDefaultEncoder(generator?: SemanticGeneratorV1): Promise<ReStyleEncoder> {
  const path = defaultEncoderPath();
  if (!hasDefaultEncoder()) {
    throw new FileError('E_FILE_NOT_FOUND', `No embedded default encoder in this build of @semstyle/inversion (expected ${path}); pass an encoder checkpoint.`, {
      details: { path },
    });
  }
  return loadEncoder(path, generator);
}
