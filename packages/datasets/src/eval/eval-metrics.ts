/** Held-out measures of the evaluation networks (pure functions on host arrays). */

export interface BinaryScores {
  readonly n: number;
  readonly positives: number;
  readonly accuracy: number;
  /** Mean of the true-positive and true-negative rates (NaN when one class is absent). */
  readonly balancedAccuracy: number;
  readonly truePositiveRate: number;
  readonly trueNegativeRate: number;
}

/** Scores of binary predictions against the truth. */
export function binaryScores(predicted: ArrayLike<boolean | number>, truth: ArrayLike<boolean | number>): BinaryScores {
  if (predicted.length !== truth.length) throw new Error(`binaryScores: ${predicted.length} predictions for ${truth.length} labels`);
  let tp = 0;
  let tn = 0;
  let pos = 0;
  const n = truth.length;
  for (let i = 0; i < n; i++) {
    const t = Boolean(truth[i]);
    const p = Boolean(predicted[i]);
    if (t) {
      pos++;
      if (p) tp++;
    } else if (!p) tn++;
  }
  const tpr = pos > 0 ? tp / pos : NaN;
  const tnr = n - pos > 0 ? tn / (n - pos) : NaN;
  return { n, positives: pos, accuracy: n > 0 ? (tp + tn) / n : NaN, balancedAccuracy: (tpr + tnr) / 2, truePositiveRate: tpr, trueNegativeRate: tnr };
}

/**
 * Area under the ROC curve of `scores` for the positives in `truth`: the probability that a random positive
 * scores above a random negative, ties counting half (Mann–Whitney U with average ranks). NaN when either
 * class is absent.
 */
export function rocAuc(scores: ArrayLike<number>, truth: ArrayLike<boolean | number>): number {
  if (scores.length !== truth.length) throw new Error(`rocAuc: ${scores.length} scores for ${truth.length} labels`);
  const n = scores.length;
  for (let i = 0; i < n; i++) if (!Number.isFinite(scores[i]!)) throw new Error(`rocAuc: score ${i} is ${scores[i]}`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const rank = (start + end) / 2 + 1; // average 1-based rank of the tie group
    for (let j = start; j <= end; j++) if (truth[order[j]!]) (positives++, (positiveRankSum += rank));
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean absolute error. */
export function meanAbsoluteError(predicted: ArrayLike<number>, truth: ArrayLike<number>): number {
  if (predicted.length !== truth.length) throw new Error(`meanAbsoluteError: ${predicted.length} predictions for ${truth.length} values`);
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += Math.abs(predicted[i]! - truth[i]!);
  return truth.length > 0 ? s / truth.length : NaN;
}

/** K×K confusion counts (row = true class, column = predicted), accumulated over calls. */
export class ConfusionMatrix {
  readonly counts: Float64Array;
  constructor(readonly classes: number) {
    this.counts = new Float64Array(classes * classes);
  }
  add(predicted: ArrayLike<number>, truth: ArrayLike<number>): this {
    if (predicted.length !== truth.length) throw new Error(`ConfusionMatrix.add: ${predicted.length} predictions for ${truth.length} labels`);
    const K = this.classes;
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i]!;
      const p = predicted[i]!;
      if (t < 0 || t >= K || p < 0 || p >= K) throw new Error(`ConfusionMatrix.add: class out of range (true ${t}, predicted ${p})`);
      this.counts[t * K + p]!++;
    }
    return this;
  }
  scores(): SegmentationScores {
    const K = this.classes;
    const iou: number[] = [];
    const truthPixels: number[] = [];
    let correct = 0;
    let total = 0;
    for (let c = 0; c < K; c++) {
      let row = 0;
      let col = 0;
      for (let j = 0; j < K; j++) {
        row += this.counts[c * K + j]!;
        col += this.counts[j * K + c]!;
      }
      const inter = this.counts[c * K + c]!;
      correct += inter;
      total += row;
      truthPixels.push(row);
      iou.push(row > 0 ? inter / (row + col - inter) : NaN);
    }
    const present = iou.filter((_, c) => truthPixels[c]! > 0);
    return {
      iou,
      truthPixels,
      meanIoU: present.reduce((a, b) => a + b, 0) / present.length,
      pixelAccuracy: correct / total,
    };
  }
}

export interface SegmentationScores {
  /** Per class; NaN for classes absent from the truth. */
  readonly iou: readonly number[];
  readonly truthPixels: readonly number[];
  /** Mean IoU over the classes that occur in the truth. */
  readonly meanIoU: number;
  readonly pixelAccuracy: number;
}
