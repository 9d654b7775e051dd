import type { PairedImagesOptions } from '../core/paired.js';
import { meanOverPairs } from '../core/paired.js';
import type { MetricDefinition } from '../core/types.js';
import { msePerImage } from '../ops/pixel.js';

export type MseOptions = PairedImagesOptions;
export interface MseValues {
  readonly mse: number;
  readonly [key: string]: number;
}

export const mse: MetricDefinition<MseOptions, MseValues> = {
  name: 'mse',
  description: 'Mean squared error between paired images (in the images\' own units, [−1, 1] for semstyle).',
  async run(options, context) {
    const { mean, n } = await meanOverPairs(options, context, msePerImage);
    return { values: { mse: mean }, numSamples: { pairs: n } };
  },
};
