import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FileError } from '@semstyle/core';
import { featureDistance, type PerceptualDistance } from '../losses/perceptual.js';

interface FaceRecognitionNetLike {
  loadFromDisk(dir: string): Promise<void>;
  forwardInput(input: unknown): tf.Tensor2D;
  dispose(): void;
}

/**
 * Identity distance 1 − cos(f(a), f(b)) with face-api's 128-d face descriptor (dlib ResNet-34, weights shipped
 * in `@vladmandic/face-api`), called through its synchronous `forwardInput` so it is differentiable. It
 * expects aligned face crops; it is an identity term, not LPIPS. Node only.
 */
export async function loadFaceApiIdentityDistance(options: { modelDir?: string } = {}): Promise<PerceptualDistance> {
  const require = createRequire(import.meta.url);
  let faceapi: { nets: { faceRecognitionNet: FaceRecognitionNetLike }; NetInput: new (inputs: tf.Tensor3D[]) => unknown };
  let modelDir = options.modelDir;
  try {
    faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as typeof faceapi;
    modelDir ??= join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  } catch (cause) {
    throw new FileError('E_FILE_NOT_FOUND', '@vladmandic/face-api is not installed (npm install @vladmandic/face-api).', { cause });
  }
  const net = faceapi.nets.faceRecognitionNet;
  await net.loadFromDisk(modelDir);
  return featureDistance(
    'face-api/face_recognition_model@128 (identity, 1 − cos)',
    (images) => {
      const resized = tf.mul(tf.add(tf.image.resizeBilinear(images, [150, 150], true), 1), 127.5) as tf.Tensor4D;
      return net.forwardInput(new faceapi.NetInput(tf.unstack(resized) as tf.Tensor3D[]));
    },
    () => net.dispose(),
  );
}
