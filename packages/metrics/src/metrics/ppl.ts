import * as tf from '@tensorflow/tfjs';
import type { SemanticGeneratorV1, WLatent } from '@semstyle/core';
import type { MetricDefinition } from '../core/types.js';
import { assertEnoughSamples, assertInt } from '../core/validate.js';
import type { FeatureExtractor } from '../features/extractor.js';
import { pixelExtractor } from '../extractors/pixels.js';
import { createRng } from '../ops/random.js';
import { lerp, percentileFilteredMean, slerp } from '../ops/interpolate.js';

export interface PplOptions {
  readonly generator: SemanticGeneratorV1;
  /** Number of path samples (stylegan2-ada: 50 000; default here 1 000). */
  readonly num?: number;
  readonly epsilon?: number;
  readonly seed?: number;
  readonly batchSize?: number;
  /**
   * Distance network: d = ‖f(img(t)) − f(img(t + ε))‖² / ε². Default: `pixelExtractor()` (64×64 pixels) —
   * NOT the LPIPS-VGG16 of the paper, so figures are comparable only with the same extractor.
   */
  readonly extractor?: FeatureExtractor;
}

export interface PplValues {
  readonly ppl: number;
  readonly [key: string]: number;
}

type Space = 'z' | 'w';
type Sampling = 'full' | 'end';

function makePpl(space: Space, sampling: Sampling): MetricDefinition<PplOptions, PplValues> {
  return {
    name: `ppl_${space}${sampling}`,
    description: `Perceptual path length in ${space.toUpperCase()} (${space === 'z' ? 'slerp' : 'lerp'}, ${sampling === 'full' ? 't ~ U(0, 1)' : 't = 0'}), ε = 1e-4, 1st–99th percentile filtered; distance from any FeatureExtractor (default 64² pixels).`,
    async run(options, context) {
      const g = options.generator;
      const num = options.num ?? 1000;
      const eps = options.epsilon ?? 1e-4;
      const batchSize = options.batchSize ?? 8;
      const seed = options.seed ?? 0;
      assertInt(num, 1, 'num');
      assertInt(batchSize, 1, 'batchSize');
      assertEnoughSamples(num, 1, 'PPL', 'at least one path');
      const extractor = options.extractor ?? pixelExtractor();
      const rng = createRng(seed ^ 0x5eed);
      const dists: number[] = [];
      for (let start = 0; start < num; start += batchSize) {
        const size = Math.min(batchSize, num - start);
        const tValues = Float32Array.from({ length: size }, () => (sampling === 'full' ? rng() : 0));
        const z = g.sampleZ(2 * size, seed + 2 * start);
        const t0 = tf.tensor1d(tValues);
        const t1 = t0.add(eps) as tf.Tensor1D;
        let w: WLatent;
        if (space === 'z') {
          const [za, zb] = tf.split(z.tensor, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
          const zt = tf.tidy(() => tf.concat([slerp(za, zb, t0), slerp(za, zb, t1)], 0) as tf.Tensor2D);
          w = g.map({ space: 'z', tensor: zt });
          tf.dispose([za, zb, zt]);
        } else {
          const wab = g.map(z);
          const [wa, wb] = tf.split(wab.tensor, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
          w = { space: 'w', tensor: tf.tidy(() => tf.concat([lerp(wa, wb, t0), lerp(wa, wb, t1)], 0) as tf.Tensor2D) };
          tf.dispose([wab.tensor, wa, wb]);
        }
        tf.dispose([z.tensor, t0, t1]);
        const wp = g.toWPlus(w);
        const out = g.synthesize(wp);
        tf.dispose([w.tensor, wp.tensor, out.seg, out.segCoarse, out.depths, out.masks]);
        let feats: tf.Tensor2D;
        try {
          feats = await extractor.extract(out.image);
        } finally {
          out.image.dispose();
        }
        const d = tf.tidy(() => {
          const [f0, f1] = tf.split(feats, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
          return tf.squaredDifference(f0, f1).sum(1).div(eps * eps);
        });
        feats.dispose();
        dists.push(...d.dataSync());
        d.dispose();
        context.progress('paths', start + size, num);
      }
      return {
        values: { ppl: percentileFilteredMean(dists) },
        numSamples: { paths: num },
        info: { extractor: extractor.id, epsilon: eps, space, sampling },
      };
    },
  };
}

export const pplZfull = makePpl('z', 'full');
export const pplWfull = makePpl('w', 'full');
export const pplZend = makePpl('z', 'end');
export const pplWend = makePpl('w', 'end');
