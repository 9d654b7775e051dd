import type { PairedImagesOptions } from '../core/paired.js';
import { meanOverPairs } from '../core/paired.js';
import type { MetricDefinition } from '../core/types.js';
import { psnrPerImage } from '../ops/pixel.js';

export interface PsnrOptions extends PairedImagesOptions {
  /** max − min of the value range: 2 for [−1, 1] (default). */
  readonly dataRange?: number;
}
export interface PsnrValues {
  readonly psnr: number;
  readonly [key: string]: number;
}

export const psnr: MetricDefinition<PsnrOptions, PsnrValues> = {
  name: 'psnr',
  description: 'Peak signal-to-noise ratio in dB, mean over paired images of 10·log10(R²/MSE) (R = 2 for [−1, 1]).',
  async run(options, context) {
    const range = options.dataRange ?? 2;
    const { mean, n } = await meanOverPairs(options, context, (a, b) => psnrPerImage(a, b, range));
    return { values: { psnr: mean }, numSamples: { pairs: n }, info: { dataRange: range } };
  },
};
