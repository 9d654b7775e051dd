import * as tf from '@tensorflow/tfjs';
import type { SemanticGeneratorV1 } from '@semstyle/core';
import type { MetricDefinition } from '../core/types.js';
import { assertInt } from '../core/validate.js';
import { editLocality, share, type Segmentation } from '../ops/locality.js';
import { mixRegion, type EditedCodes } from '../ops/region-edit.js';

export interface EditLocalityOptions {
  readonly generator: SemanticGeneratorV1;
  /** Source images (default 16), from Z seeds `seed`…; donors come from seeds `seed + 1_000_000`…. */
  readonly num?: number;
  readonly seed?: number;
  readonly batchSize?: number;
  readonly truncation?: number;
  /** Regions to edit one at a time (default: every region but index 0, the background). */
  readonly regions?: readonly string[];
  /** Which of the region's codes are swapped (default both). */
  readonly codes?: EditedCodes;
  /**
   * Face parser for generators whose segmentation is not to be trusted or is absent: image NHWC [−1, 1]
   * → logits [N, h, w, K] or labels [N, h, w] in the generator's region order. Default: the generator's
   * own `seg` output.
   */
  readonly parser?: (images: tf.Tensor4D) => Segmentation;
}

/**
 * `outside_fraction` (mean over pairs of each pair's share of |Δpixel| outside the region),
 * `pooled_outside_fraction` (Σ|Δ| outside over Σ|Δ| over all pairs: pairs weighed by how much the swap changed
 * them) and `mean_iou`, overall (mean over regions) and per region (`…/<region>`).
 */
export interface EditLocalityValues {
  readonly outside_fraction: number;
  readonly pooled_outside_fraction: number;
  readonly mean_iou: number;
  readonly [key: string]: number;
}

export const editLocalityMetric: MetricDefinition<EditLocalityOptions, EditLocalityValues> = {
  name: 'edit_locality',
  description:
    'Locality of region edits (local style mixing): share of |Δpixel| outside the edited region\'s mask (union before/after) and IoU of the other classes\' masks.',
  async run(options, context) {
    const g = options.generator;
    const num = options.num ?? 16;
    const seed = options.seed ?? 0;
    const batchSize = options.batchSize ?? 4;
    assertInt(num, 1, 'num');
    assertInt(batchSize, 1, 'batchSize');
    const regions = options.regions ?? g.regions.slice(1);
    const mapOptions = options.truncation === undefined ? {} : { truncation: options.truncation };
    const sums = new Map<string, { outside: number; changeOutside: number; changeTotal: number; iou: number; iouCount: number }>();
    for (const r of regions) sums.set(r, { outside: 0, changeOutside: 0, changeTotal: 0, iou: 0, iouCount: 0 });
    let done = 0;
    for (let start = 0; start < num; start += batchSize) {
      const size = Math.min(batchSize, num - start);
      const latents = [seed + start, seed + 1_000_000 + start].map((s) => {
        const z = g.sampleZ(size, s);
        const w = g.map(z, mapOptions);
        const wp = g.toWPlus(w);
        tf.dispose([z.tensor, w.tensor]);
        return wp;
      });
      const [source, donor] = latents as [typeof latents[0], typeof latents[0]];
      const base = g.synthesize(source);
      const segBase = options.parser === undefined ? base.seg : options.parser(base.image);
      try {
        for (const region of regions) {
          const mixed = mixRegion(source, donor, region, options.codes);
          const out = g.synthesize(mixed);
          const segOut = options.parser === undefined ? out.seg : options.parser(out.image);
          try {
            const r = editLocality({
              before: base.image,
              after: out.image,
              segBefore: segBase,
              segAfter: segOut,
              editedClasses: [g.regions.indexOf(region)],
              numClasses: g.regions.length,
            });
            const acc = sums.get(region)!;
            acc.outside += r.outsideFraction * size;
            acc.changeOutside += r.changeOutside;
            acc.changeTotal += r.changeTotal;
            if (!Number.isNaN(r.meanIou)) {
              acc.iou += r.meanIou * size;
              acc.iouCount += size;
            }
          } finally {
            tf.dispose([mixed.tensor, out.image, out.seg, out.segCoarse, out.depths, out.masks]);
            if (segOut !== out.seg) tf.dispose(segOut);
          }
          context.progress('edits', done * regions.length + size * (regions.indexOf(region) + 1), num * regions.length);
        }
      } finally {
        if (segBase !== base.seg) tf.dispose(segBase);
        tf.dispose([source.tensor, donor.tensor, base.image, base.seg, base.segCoarse, base.depths, base.masks]);
      }
      done += size;
    }
    const values: Record<string, number> = {};
    let outside = 0;
    let pooled = 0;
    let iou = 0;
    let iouRegions = 0;
    for (const [region, acc] of sums) {
      values[`outside_fraction/${region}`] = acc.outside / num;
      outside += acc.outside / num;
      const pooledShare = share(acc.changeOutside, acc.changeTotal);
      values[`pooled_outside_fraction/${region}`] = pooledShare;
      pooled += pooledShare;
      if (acc.iouCount > 0) {
        values[`mean_iou/${region}`] = acc.iou / acc.iouCount;
        iou += acc.iou / acc.iouCount;
        iouRegions++;
      }
    }
    return {
      values: {
        outside_fraction: outside / regions.length,
        pooled_outside_fraction: pooled / regions.length,
        mean_iou: iouRegions === 0 ? Number.NaN : iou / iouRegions,
        ...values,
      },
      numSamples: { images: num, edits: num * regions.length },
      info: { regions, codes: options.codes ?? 'both', masks: options.parser === undefined ? 'generator seg argmax' : 'parser' },
    };
  },
};
