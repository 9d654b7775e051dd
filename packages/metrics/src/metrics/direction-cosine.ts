import { InputError } from '@semstyle/core';
import type { MetricDefinition } from '../core/types.js';
import { assertFiniteArray } from '../core/validate.js';

export interface DirectionCosineOptions {
  /** Editing directions by name (e.g. InterFaceGAN normals), all of the same length (flattened W or W+). */
  readonly directions: Readonly<Record<string, ArrayLike<number>>>;
}

/** `cos/<a>/<b>` for every pair, plus the mean absolute cosine over pairs (0 = disentangled). */
export interface DirectionCosineValues {
  readonly mean_abs_cos: number;
  readonly [key: string]: number;
}

export const directionCosine: MetricDefinition<DirectionCosineOptions, DirectionCosineValues> = {
  name: 'direction_cosine',
  description: 'Cosine similarity between editing directions, pairwise, and their mean absolute value.',
  async run(options) {
    const names = Object.keys(options.directions);
    if (names.length < 2) {
      throw new InputError('E_NOT_ENOUGH_SAMPLES', `direction_cosine needs at least 2 directions, got ${names.length}.`);
    }
    const vecs = names.map((n) => Float64Array.from(options.directions[n]!));
    const d = vecs[0]!.length;
    vecs.forEach((v, i) => {
      if (v.length !== d) throw new InputError('E_SHAPE', `Direction "${names[i]}" has ${v.length} values, "${names[0]}" has ${d}.`);
      assertFiniteArray(v, `direction "${names[i]}"`);
    });
    const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    const values: Record<string, number> = {};
    let sum = 0;
    let pairs = 0;
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const a = vecs[i]!;
        const b = vecs[j]!;
        let dot = 0;
        for (let k = 0; k < d; k++) dot += (a[k] as number) * (b[k] as number);
        const c = dot / (norm(a) * norm(b));
        values[`cos/${names[i]}/${names[j]}`] = c;
        sum += Math.abs(c);
        pairs++;
      }
    }
    return { values: { mean_abs_cos: sum / pairs, ...values }, numSamples: { directions: names.length } };
  },
};
