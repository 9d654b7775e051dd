import type * as tf from '@tensorflow/tfjs';

/** Numbers a metric reports, by name (e.g. `{ fid: 12.3 }`, `{ precision: 0.7, recall: 0.6 }`). */
export type MetricValues = Readonly<Record<string, number>>;

/** Progress of a running metric: `done` of `total` units (images, pairs…) in the named stage. */
export interface MetricProgress {
  readonly metric: string;
  readonly stage: string;
  readonly done: number;
  readonly total: number;
}

export type ProgressCallback = (progress: MetricProgress) => void;

/** What `calcMetric` returns and what `appendMetricResult` (./node) writes as one JSON line. */
export interface MetricResult<V extends MetricValues = MetricValues> {
  readonly name: string;
  readonly values: V;
  /** How many samples went into the figure, by role (e.g. `{ real: 5000, fake: 5000 }`). */
  readonly numSamples: Readonly<Record<string, number>>;
  /** Wall-clock seconds of the whole computation. */
  readonly seconds: number;
  /** Unix time (ms) when the computation finished. */
  readonly timestamp: number;
  /** Backend the tensors ran on. */
  readonly backend: string;
  /** Anything else worth recording (extractor id, cache hit, options). JSON-serialisable. */
  readonly info?: Readonly<Record<string, unknown>>;
}

/** What a metric's `run` returns; the registry adds name, timing and backend. */
export interface MetricOutput<V extends MetricValues = MetricValues> {
  readonly values: V;
  readonly numSamples: Readonly<Record<string, number>>;
  readonly info?: Readonly<Record<string, unknown>>;
}

/** Handed to every metric's `run`. */
export interface MetricContext {
  /** Report progress; forwards to the caller's callback (no-op when none). */
  readonly progress: (stage: string, done: number, total: number) => void;
}

export interface MetricDefinition<O = unknown, V extends MetricValues = MetricValues> {
  readonly name: string;
  readonly description: string;
  run(options: O, context: MetricContext): Promise<MetricOutput<V>>;
}

/**
 * Images, NHWC in [-1, 1]: one tensor (owned by the caller, never disposed by a metric) or a sync /
 * async iterable of batches (each yielded batch is owned — and disposed — by the metric that reads it).
 */
export type ImageSource = tf.Tensor4D | Iterable<tf.Tensor4D> | AsyncIterable<tf.Tensor4D>;
