import * as tf from '@tensorflow/tfjs';
import { InputError } from '../contract/errors.js';

/** Throw E_SHAPE unless `tensor` has exactly `expected` (null = any size); the message names the tensor. */
export function assertShape(name: string, tensor: tf.Tensor, expected: readonly (number | null)[]): void {
  const ok = tensor.rank === expected.length && expected.every((d, i) => d === null || d === tensor.shape[i]);
  if (!ok) {
    const show = expected.map((d) => (d === null ? 'any' : String(d))).join(', ');
    throw new InputError('E_SHAPE', `${name} has shape [${tensor.shape.join(', ')}], expected [${show}].`, {
      details: { name, shape: tensor.shape, expected },
    });
  }
}

/**
 * Throw E_NON_FINITE if `tensor` holds NaN or ±Inf (reads one boolean back from the backend,
 * synchronously). Skipped on webgpu: its synchronous read-back goes through a canvas, stalls the queue,
 * and on some adapters (Chromium's SwiftShader WebGPU, tfjs 4.22) returns zeros and loses the device.
 */
export function assertFinite(name: string, tensor: tf.Tensor): void {
  if (tf.getBackend() === 'webgpu') return;
  const allFinite = tf.tidy(() => tf.all(tf.isFinite(tensor)));
  const ok = allFinite.dataSync()[0] === 1;
  allFinite.dispose();
  if (!ok) {
    throw new InputError('E_NON_FINITE', `${name} contains NaN or infinite values.`, { details: { name } });
  }
}
