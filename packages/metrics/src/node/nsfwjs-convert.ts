import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FeatureExtractor } from '../features/extractor.js';
import { loadNsfwjsInception, nsfwjsInceptionArtifacts } from '../extractors/nsfwjs-inception.js';

/**
 * Convert nsfwjs's bundled base64 InceptionV3 once to a plain `model.json` + `weights.bin` in `dir`
 * (about 22 MB), so later loads skip the JavaScript/base64 decoding.
 */
export async function saveNsfwjsInception(dir: string): Promise<void> {
  const a = await nsfwjsInceptionArtifacts();
  await mkdir(dir, { recursive: true });
  const json = { modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] };
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
  await writeFile(join(dir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
}

/** Load the InceptionV3 extractor from a directory written by `saveNsfwjsInception`. */
export async function loadNsfwjsInceptionFromDir(dir: string, options: { batchSize?: number } = {}): Promise<FeatureExtractor> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const bin = await readFile(join(dir, 'weights.bin'));
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    ...(json.format === undefined ? {} : { format: json.format }),
  };
  return loadNsfwjsInception({ artifacts, ...options });
}
