import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import { assertFiniteArray } from '../core/validate.js';

/** N feature vectors of width D, row-major. Plain data: nothing to dispose. */
export interface FeatureSet {
  readonly data: Float32Array;
  readonly n: number;
  readonly d: number;
}

/** Anything a feature-based metric accepts as features. Tensors are read, never disposed. */
export type FeatureInput = FeatureSet | tf.Tensor2D | readonly (readonly number[])[];

function isFeatureSet(value: FeatureInput): value is FeatureSet {
  return !(value instanceof tf.Tensor) && !Array.isArray(value);
}

/** Validate and normalise features to a `FeatureSet` (checks shape and finiteness). */
export function toFeatureSet(input: FeatureInput, what = 'features'): FeatureSet {
  let set: FeatureSet;
  if (input instanceof tf.Tensor) {
    if (input.rank !== 2) {
      throw new InputError('E_SHAPE', `${what} must be [N, D], got [${input.shape.join(', ')}].`, {
        details: { what, shape: input.shape },
      });
    }
    const [n, d] = input.shape as [number, number];
    set = { data: Float32Array.from(input.dataSync()), n, d };
  } else if (isFeatureSet(input)) {
    if (input.data.length !== input.n * input.d) {
      throw new InputError('E_SHAPE', `${what}: data has ${input.data.length} values, expected n·d = ${input.n}·${input.d}.`, {
        details: { what, n: input.n, d: input.d, length: input.data.length },
      });
    }
    set = input;
  } else {
    const rows = input as readonly (readonly number[])[];
    const n = rows.length;
    const d = rows[0]?.length ?? 0;
    const data = new Float32Array(n * d);
    rows.forEach((row, i) => {
      if (row.length !== d) {
        throw new InputError('E_SHAPE', `${what}: row ${i} has ${row.length} values, row 0 has ${d}.`, {
          details: { what, row: i },
        });
      }
      data.set(row, i * d);
    });
    set = { data, n, d };
  }
  assertFiniteArray(set.data, what);
  return set;
}

/** Rows `indices` of a feature set, as a new set. */
export function selectRows(set: FeatureSet, indices: ArrayLike<number>): FeatureSet {
  const out = new Float32Array(indices.length * set.d);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i] as number;
    out.set(set.data.subarray(r * set.d, (r + 1) * set.d), i * set.d);
  }
  return { data: out, n: indices.length, d: set.d };
}

/** Stack feature sets with the same width. */
export function concatFeatureSets(sets: readonly FeatureSet[]): FeatureSet {
  const d = sets[0]?.d ?? 0;
  const n = sets.reduce((s, f) => s + f.n, 0);
  const data = new Float32Array(n * d);
  let offset = 0;
  for (const set of sets) {
    if (set.d !== d) throw new InputError('E_SHAPE', `Feature widths differ: ${set.d} vs ${d}.`);
    data.set(set.data, offset);
    offset += set.data.length;
  }
  return { data, n, d };
}

/** A feature set as a tensor (the caller disposes it). */
export function featureTensor(set: FeatureSet): tf.Tensor2D {
  return tf.tensor2d(set.data, [set.n, set.d], 'float32');
}
