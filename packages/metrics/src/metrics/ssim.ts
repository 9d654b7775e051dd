import type { PairedImagesOptions } from '../core/paired.js';
import { meanOverPairs } from '../core/paired.js';
import type { MetricDefinition } from '../core/types.js';
import { ssimPerImage, type SsimOptions as SsimKernelOptions } from '../ops/ssim.js';

export interface SsimOptions extends PairedImagesOptions, SsimKernelOptions {}
export interface SsimValues {
  readonly ssim: number;
  readonly [key: string]: number;
}

export const ssim: MetricDefinition<SsimOptions, SsimValues> = {
  name: 'ssim',
  description: 'Structural similarity (Wang et al. 2004): 11×11 Gaussian window σ 1.5, K1 0.01, K2 0.03, mean over channels and pairs.',
  async run(options, context) {
    const { mean, n } = await meanOverPairs(options, context, (a, b) => ssimPerImage(a, b, options));
    return { values: { ssim: mean }, numSamples: { pairs: n }, info: { valueRange: options.valueRange ?? [-1, 1] } };
  },
};
