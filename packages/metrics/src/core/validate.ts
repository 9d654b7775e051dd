import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';

/** Throws `E_SHAPE` unless `tensor` has rank `rank`. */
export function assertRank(tensor: tf.Tensor, rank: number, what: string): void {
  if (tensor.rank !== rank) {
    throw new InputError('E_SHAPE', `${what} must have rank ${rank}, got shape [${tensor.shape.join(', ')}].`, {
      details: { what, shape: tensor.shape, rank },
    });
  }
}

/** Throws `E_SHAPE` unless the two tensors have the same shape. */
export function assertSameShape(a: tf.Tensor, b: tf.Tensor, whatA: string, whatB: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new InputError(
      'E_SHAPE',
      `${whatA} and ${whatB} must have the same shape, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}].`,
      { details: { [whatA]: a.shape, [whatB]: b.shape } },
    );
  }
}

/** Throws `E_NON_FINITE` if any value is NaN or ±Infinity. */
export function assertFiniteArray(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      throw new InputError('E_NON_FINITE', `${what} contains a non-finite value (${v}) at flat index ${i}.`, {
        details: { what, index: i, value: v },
      });
    }
  }
}

/** Throws `E_NON_FINITE` if the tensor holds NaN or ±Infinity (one small reduction, synchronous read). */
export function assertFiniteTensor(tensor: tf.Tensor, what: string): void {
  const bad = tf.tidy(() => tf.logicalNot(tf.isFinite(tensor)).any().dataSync()[0]);
  if (bad) {
    throw new InputError('E_NON_FINITE', `${what} contains NaN or Infinity.`, { details: { what, shape: tensor.shape } });
  }
}

/** Throws `E_INVALID_ARGUMENT` unless `value` is an integer ≥ `min`. */
export function assertInt(value: number, min: number, what: string): void {
  if (!Number.isInteger(value) || value < min) {
    throw new InputError('E_INVALID_ARGUMENT', `${what} must be an integer ≥ ${min}, got ${value}.`, {
      details: { what, value, min },
    });
  }
}

/** Throws `E_NOT_ENOUGH_SAMPLES` when fewer than `needed` samples were given. */
export function assertEnoughSamples(have: number, needed: number, what: string, why: string): void {
  if (have < needed) {
    throw new InputError(
      'E_NOT_ENOUGH_SAMPLES',
      `${what}: got ${have} sample(s), need at least ${needed} (${why}).`,
      { details: { what, have, needed } },
    );
  }
}
