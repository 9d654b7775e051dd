import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FileError } from '@semstyle/core';
import type { FeatureExtractor } from '../features/extractor.js';

interface FaceRecognitionNet {
  loadFromDisk(dir: string): Promise<void>;
  forward(input: tf.Tensor3D[]): Promise<tf.Tensor2D>;
  dispose(): void;
}

/**
 * Face embedder for the `identity` metric: the 128-d face descriptor network (a ResNet-34 ported from
 * dlib) shipped with weights inside `@vladmandic/face-api` (MIT; dlib's model is public domain / CC0).
 * Loads offline from the package's `model/` folder through face-api's Node wasm build, which shares
 * the tfjs engine with the caller. Inputs are aligned face crops NHWC in [−1, 1]; they are resized to
 * 150² and scaled to 0..255 (face-api subtracts its own channel means). No face detection/alignment is done.
 */
export async function loadFaceApiRecognition(options: { modelDir?: string } = {}): Promise<FeatureExtractor> {
  const require = createRequire(import.meta.url);
  let faceapi: { nets: { faceRecognitionNet: FaceRecognitionNet } };
  let modelDir = options.modelDir;
  try {
    faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as typeof faceapi;
    modelDir ??= join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  } catch (cause) {
    throw new FileError('E_FILE_NOT_FOUND', '@vladmandic/face-api is not installed (npm install @vladmandic/face-api).', { cause });
  }
  const net = faceapi.nets.faceRecognitionNet;
  await net.loadFromDisk(modelDir);
  return {
    id: 'face-api/face_recognition_model@128',
    dim: 128,
    batchSize: 8,
    async extract(images) {
      const parts = tf.tidy(() => tf.unstack(tf.image.resizeBilinear(images, [150, 150], true).add(1).mul(127.5)) as tf.Tensor3D[]);
      try {
        return await net.forward(parts);
      } finally {
        tf.dispose(parts);
      }
    },
    dispose() {
      net.dispose();
    },
  };
}
