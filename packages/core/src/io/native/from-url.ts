/**
 * Load a native model over HTTP(S) with tfjs' `http` IO handler: the browser's way to read a folder written
 * by `semstyle convert` / `saveModel`. Browser-safe (Node 18+ works too, through the global `fetch`).
 */
import * as tf from '@tensorflow/tfjs';
import { FileError, InputError, SemstyleError } from '../../contract/errors.js';
import type { LoadCheckpointOptions, LoadedCheckpoint } from '../load-checkpoint.js';
import type { SemanticStyleGAN } from '../../model/semantic-stylegan.js';
import { modelFromArtifacts } from './native-model.js';

export interface LoadFromUrlOptions extends LoadCheckpointOptions {
  /** Passed to every request (headers, credentials, cache mode…). */
  readonly requestInit?: RequestInit;
  /** A `fetch` to use instead of the platform's (tests, custom caching). */
  readonly fetchFunc?: typeof fetch;
  /** Download progress in [0, 1] (model.json, then the weight shards). */
  readonly onProgress?: (fraction: number) => void;
}

/**
 * The `model.json` URL of a native model given its folder URL (`models/default64`, `models/default64/`)
 * or the `model.json` URL itself. Relative URLs stay relative (resolved by `fetch` against the page).
 */
export function nativeModelJsonUrl(url: string): string {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new InputError('E_INVALID_ARGUMENT', `Expected the URL of a native model folder or of its model.json, got ${JSON.stringify(url)}.`);
  }
  const [path, query] = splitQuery(url.trim());
  if (/\.json$/i.test(path)) return url.trim();
  return `${path.replace(/\/+$/, '')}/model.json${query}`;
}

function splitQuery(url: string): [string, string] {
  const at = url.search(/[?#]/);
  return at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at)];
}

function httpHandler(url: string, options: LoadFromUrlOptions): tf.io.IOHandler {
  return tf.io.http(nativeModelJsonUrl(url), {
    ...(options.requestInit ? { requestInit: options.requestInit } : {}),
    ...(options.fetchFunc ? { fetchFunc: options.fetchFunc } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

/**
 * Load a native model (G_ema / G, optionally D) from a URL: the folder (`models/default64/`) or its
 * `model.json`. Shards are fetched relative to model.json. Same result and errors as `loadModel`
 * (`E_IO` wraps network failures and HTTP errors).
 */
export async function loadModelFromUrl(url: string, options: LoadFromUrlOptions = {}): Promise<LoadedCheckpoint> {
  const handler = httpHandler(url, options);
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load!();
  } catch (cause) {
    if (SemstyleError.isInstance(cause)) throw cause;
    throw new FileError('E_IO', `Loading the model from ${nativeModelJsonUrl(url)} failed: ${(cause as Error).message}`, {
      cause,
      details: { url: nativeModelJsonUrl(url) },
    });
  }
  return modelFromArtifacts(artifacts, options);
}

/**
 * Load just the generator of a native model from a URL (see `loadModelFromUrl`); the browser counterpart
 * of `loadGenerator(path)` from `@semstyle/core/node`. The caller owns it (`dispose()`).
 */
export async function loadGeneratorFromUrl(url: string, options: LoadFromUrlOptions = {}): Promise<SemanticStyleGAN> {
  const loaded = await loadModelFromUrl(url, { ...options, discriminator: false });
  return loaded.generator;
}
