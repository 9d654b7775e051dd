import { InputError } from '@semstyle/core';
import type { MetricDefinition } from '../core/types.js';
import { assertEnoughSamples } from '../core/validate.js';
import { toFeatureSet, type FeatureInput } from '../features/feature-set.js';
import { conditionalEntropy, fitLogistic } from '../ops/logistic.js';

export interface LinearSeparabilityOptions {
  /** Latents (W or Z) [N, D]. */
  readonly latents: FeatureInput;
  /**
   * Per attribute, N label scores in [0, 1] (classifier probabilities, or 0/1 labels). As stylegan, the
   * half of the samples with the most confident scores are kept and thresholded at 0.5.
   */
  readonly labels: Readonly<Record<string, readonly number[]>>;
  /** Fraction kept per attribute (default 0.5). */
  readonly keepFraction?: number;
  /** Ridge strength of the logistic regression (default 1e-3). */
  readonly l2?: number;
}

/** `separability` = exp(Σ_attr H(Y|Ŷ)) as stylegan; per attribute `accuracy/<a>` and `entropy/<a>`. */
export interface LinearSeparabilityValues {
  readonly separability: number;
  readonly mean_accuracy: number;
  readonly [key: string]: number;
}

export const linearSeparability: MetricDefinition<LinearSeparabilityOptions, LinearSeparabilityValues> = {
  name: 'linear_separability',
  description:
    'Linear separability of attributes in latent space (StyleGAN): a linear classifier on the most confident half; reports exp(Σ conditional entropy) and accuracy.',
  async run(options, context) {
    const x = toFeatureSet(options.latents, 'latents');
    const keepFraction = options.keepFraction ?? 0.5;
    const names = Object.keys(options.labels);
    if (names.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'No attributes in `labels`.');
    const values: Record<string, number> = {};
    let entropySum = 0;
    let accSum = 0;
    names.forEach((name, idx) => {
      const scores = options.labels[name]!;
      if (scores.length !== x.n) {
        throw new InputError('E_SHAPE', `labels["${name}"] has ${scores.length} entries, latents ${x.n}.`);
      }
      const order = scores.map((s, i) => [Math.abs(s - 0.5), i] as const).sort((a, b) => b[0] - a[0]);
      const keep = order.slice(0, Math.floor(x.n * keepFraction)).map(([, i]) => i);
      assertEnoughSamples(keep.length, 4, `linear_separability "${name}"`, 'a classifier needs a few confident samples of each class');
      const sub = new Float64Array(keep.length * x.d);
      keep.forEach((r, i) => sub.set(x.data.subarray(r * x.d, (r + 1) * x.d), i * x.d));
      const y = keep.map((r) => ((scores[r] as number) >= 0.5 ? 1 : 0));
      const { weights, bias } = fitLogistic(sub, keep.length, x.d, y, options.l2 ?? 1e-3);
      const pred = keep.map((_, i) => {
        let z = bias;
        for (let j = 0; j < x.d; j++) z += (weights[j] as number) * (sub[i * x.d + j] as number);
        return z >= 0 ? 1 : 0;
      });
      const acc = pred.filter((p, i) => p === y[i]).length / pred.length;
      const h = conditionalEntropy(y, pred);
      values[`accuracy/${name}`] = acc;
      values[`entropy/${name}`] = h;
      entropySum += h;
      accSum += acc;
      context.progress('attributes', idx + 1, names.length);
    });
    return {
      values: { separability: Math.exp(entropySum), mean_accuracy: accSum / names.length, ...values },
      numSamples: { latents: x.n },
      info: { attributes: names, keepFraction },
    };
  },
};
