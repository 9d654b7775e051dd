import type { PairedImagesOptions } from '../core/paired.js';
import { meanOverPairs } from '../core/paired.js';
import type { MetricDefinition } from '../core/types.js';
import { msSsimPerImage, type MsSsimOptions as MsSsimKernelOptions } from '../ops/ssim.js';

export interface MsSsimOptions extends PairedImagesOptions, MsSsimKernelOptions {}
export interface MsSsimValues {
  readonly ms_ssim: number;
  readonly [key: string]: number;
}

export const msSsim: MetricDefinition<MsSsimOptions, MsSsimValues> = {
  name: 'ms_ssim',
  description: 'Multi-scale SSIM (Wang et al. 2003): 5 scales, weights 0.0448/0.2856/0.3001/0.2363/0.1333; images ≥ 161×161.',
  async run(options, context) {
    const { mean, n } = await meanOverPairs(options, context, (a, b) => msSsimPerImage(a, b, options));
    return { values: { ms_ssim: mean }, numSamples: { pairs: n } };
  },
};
