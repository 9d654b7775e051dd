import * as tf from '@tensorflow/tfjs';
import { InputError } from '../contract/errors.js';
import { SeededRandom } from '../latent/random.js';

/** One batch of real data. Tensors belong to the consumer (the Trainer disposes them after its step). */
export interface TrainingBatch {
  /** Images NHWC in [−1, 1]. */
  readonly image: tf.Tensor4D;
  /** One-hot masks NHWC in {−1, 1} (K channels). */
  readonly mask: tf.Tensor4D;
  /**
   * Position in the sample stream after this batch (see `TrainingDataSource.batches`): what a checkpoint
   * records so a resumed run continues with the next sample. Omitted: start + batchSize per batch.
   */
  readonly nextIndex?: number;
}

/**
 * Real (image, mask) pairs for training. `batches` yields forever: the sample stream is the concatenation
 * of epochs, each a permutation of all `size` samples shuffled from (`seed`, epoch); batch i holds stream
 * positions [i·B, (i+1)·B) (batches run across epoch boundaries; sources that skip bad samples move on to
 * the next position, reporting it through `nextIndex`). `startIndex` (default 0) is a stream position:
 * resuming at a checkpoint's position gives exactly the batches an uninterrupted run would have seen.
 */
export interface TrainingDataSource {
  readonly size: number;
  readonly segDim: number;
  /** Image side in pixels (when fixed by the source). */
  readonly resolution?: number;
  batches(batchSize: number, seed: number, startIndex?: number): AsyncIterable<TrainingBatch>;
}

/** Fisher–Yates permutation of [0, n) from (seed, epoch). Shared by data sources. */
export function epochPermutation(n: number, seed: number, epoch: number): Uint32Array {
  const rng = new SeededRandom((seed * 1_000_003 + epoch * 7919) | 0);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/** Sample index at a stream position (epochs of `n` shuffled samples); caches the current epoch's order. */
export class EpochOrder {
  private cached: { epoch: number; order: Uint32Array } | undefined;
  constructor(
    readonly n: number,
    readonly seed: number,
  ) {}
  at(position: number): number {
    const epoch = Math.floor(position / this.n);
    if (this.cached?.epoch !== epoch) this.cached = { epoch, order: epochPermutation(this.n, this.seed, epoch) };
    return this.cached.order[position - epoch * this.n]!;
  }
}

export interface SyntheticDataOptions {
  readonly size?: number;
  readonly resolution: number;
  readonly segDim: number;
  /** Mixes into every sample's content (default 0). */
  readonly contentSeed?: number;
}

/**
 * A deterministic in-memory data source of simple shapes (for tests, benchmarks and smoke runs): sample
 * i is a background plus up to K−1 axis-aligned rectangles, each class with its own colour; nothing is
 * read from disk.
 */
export function syntheticDataSource(options: SyntheticDataOptions): TrainingDataSource {
  const size = options.size ?? 64;
  const { resolution: R, segDim: K } = options;
  if (!Number.isInteger(size) || size < 1) throw new InputError('E_INVALID_ARGUMENT', `size must be a positive integer (got ${size}).`);
  const sample = (index: number): { image: Float32Array; labels: Uint8Array } => {
    const rng = new SeededRandom(index * 31 + (options.contentSeed ?? 0) * 1_000_033);
    const labels = new Uint8Array(R * R);
    for (let k = 1; k < K; k++) {
      const w = 2 + Math.floor(rng.uniform() * (R / 2));
      const h = 2 + Math.floor(rng.uniform() * (R / 2));
      const x0 = Math.floor(rng.uniform() * (R - w));
      const y0 = Math.floor(rng.uniform() * (R - h));
      for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) labels[y * R + x] = k;
    }
    const image = new Float32Array(R * R * 3);
    for (let p = 0; p < R * R; p++) {
      const k = labels[p]!;
      for (let c = 0; c < 3; c++) image[p * 3 + c] = Math.max(-1, Math.min(1, Math.sin(k * 1.7 + c * 2.1) * 0.8 + (rng.uniform() - 0.5) * 0.1));
    }
    return { image, labels };
  };
  return {
    size,
    segDim: K,
    resolution: R,
    async *batches(batchSize: number, seed: number, startIndex = 0) {
      const order = new EpochOrder(size, seed);
      for (let pos = startIndex; ; pos += batchSize) {
        const images = new Float32Array(batchSize * R * R * 3);
        const masks = new Float32Array(batchSize * R * R * K).fill(-1);
        for (let b = 0; b < batchSize; b++) {
          const s = sample(order.at(pos + b));
          images.set(s.image, b * R * R * 3);
          for (let p = 0; p < R * R; p++) masks[(b * R * R + p) * K + s.labels[p]!] = 1;
        }
        yield {
          image: tf.tensor4d(images, [batchSize, R, R, 3]),
          mask: tf.tensor4d(masks, [batchSize, R, R, K]),
          nextIndex: pos + batchSize,
        };
      }
    },
  };
}
