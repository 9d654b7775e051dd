import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';

/** E_SHAPE unless `tensor` has rank `expected.length` and the given sizes (null: any). */
export function assertShape(name: string, tensor: tf.Tensor, expected: readonly (number | null)[]): void {
  const ok = tensor.rank === expected.length && expected.every((d, i) => d === null || d === tensor.shape[i]);
  if (!ok) {
    const show = expected.map((d) => (d === null ? 'any' : String(d))).join(', ');
    throw new InputError('E_SHAPE', `${name} has shape [${tensor.shape.join(', ')}], expected [${show}].`, {
      details: { name, shape: tensor.shape, expected },
    });
  }
}

/** E_NON_FINITE if `tensor` holds NaN or ±Inf (reads one boolean back). */
export function assertFinite(name: string, tensor: tf.Tensor): void {
  const all = tf.tidy(() => tf.all(tf.isFinite(tensor)));
  const ok = all.dataSync()[0] === 1;
  all.dispose();
  if (!ok) throw new InputError('E_NON_FINITE', `${name} contains NaN or infinite values.`, { details: { name } });
}

export function assertPositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new InputError('E_INVALID_ARGUMENT', `${name} must be a positive integer, got ${value}.`, { details: { name, value } });
  }
}

export function assertPositive(name: string, value: number): void {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new InputError('E_INVALID_ARGUMENT', `${name} must be a finite positive number, got ${value}.`, { details: { name, value } });
  }
}
