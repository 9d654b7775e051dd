import * as tf from '@tensorflow/tfjs';
import { FileError } from '@semstyle/core';
import type { FeatureExtractor } from '../features/extractor.js';
import { base64ToBytes, concatBytes } from './base64.js';
import { layersModelExtractor } from './layers-extractor.js';

/**
 * Layer of nsfwjs's InceptionV3 whose output is the 2048-d feature: the global-average-pooled
 * mixed10 block flattened (the same position as the pool3 features of the FID Inception).
 */
export const NSFWJS_INCEPTION_FEATURE_LAYER = 'flatten_1';

interface ModelDef {
  modelJson: () => Promise<{ default: tf.io.ModelJSON }>;
  weightBundles: Array<() => Promise<{ default: string }>>;
}

/**
 * The weights of the InceptionV3 bundled (base64, uint8-quantised) inside the `nsfwjs` npm package,
 * as an in-memory model artifact: no network. Decoding takes about a second; `tf.io.fromMemory`
 * keeps it reusable, and `saveNsfwjsInception` (./node) writes a plain model.json + bin once.
 */
export async function nsfwjsInceptionArtifacts(): Promise<tf.io.ModelArtifacts> {
  let def: ModelDef;
  try {
    const mod = (await import('nsfwjs/models/inception_v3')) as unknown as { InceptionV3Model: ModelDef };
    def = mod.InceptionV3Model;
  } catch (cause) {
    throw new FileError('E_FILE_NOT_FOUND', 'The nsfwjs package is not installed (npm install nsfwjs) — it carries the InceptionV3 weights.', { cause });
  }
  const json = (await def.modelJson()).default;
  const shards: Uint8Array[] = [];
  for (const load of def.weightBundles) shards.push(base64ToBytes((await load()).default));
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig;
  return {
    modelTopology: json.modelTopology,
    weightSpecs: manifest.flatMap((group) => group.weights),
    weightData: concatBytes(shards),
    format: json.format,
  };
}

/**
 * 2048-d features of the InceptionV3 in the `nsfwjs` package (images resized to 299², scaled to [0, 1]
 * as nsfwjs does). This network was FINE-TUNED for NSFW classification and its weights are quantised:
 * its FID is NOT comparable with published FIDs (which use the TF-slim pool3 Inception).
 * Pass `artifacts` to skip the base64 decoding (e.g. from a converted copy on disk).
 */
export async function loadNsfwjsInception(options: { artifacts?: tf.io.ModelArtifacts; batchSize?: number } = {}): Promise<FeatureExtractor> {
  const artifacts = options.artifacts ?? (await nsfwjsInceptionArtifacts());
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  return layersModelExtractor(model, NSFWJS_INCEPTION_FEATURE_LAYER, {
    id: `nsfwjs-inception-v3/${NSFWJS_INCEPTION_FEATURE_LAYER}`,
    inputSize: 299,
    inputRange: 'unit',
    batchSize: options.batchSize ?? 8,
  });
}
