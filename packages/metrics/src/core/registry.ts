import * as tf from '@tensorflow/tfjs';
import { InputError, UnknownNameError } from '@semstyle/core';
import { BUILTIN_METRICS, type BuiltinMetricTypes } from '../metrics/builtins.js';
import type {
  MetricDefinition,
  MetricResult,
  MetricValues,
  ProgressCallback,
} from './types.js';

/**
 * Options and values of the built-in metrics, by name. Extend it by declaration merging when you
 * register your own metric so that `calcMetric('yours', …)` is typed:
 *
 * ```ts
 * declare module '@semstyle/metrics' {
 *   interface MetricTypeMap { mine: { options: MyOptions; values: { score: number } } }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface MetricTypeMap extends BuiltinMetricTypes {}

type KnownName = keyof MetricTypeMap & string;
type OptionsOf<N extends string> = N extends KnownName
  ? MetricTypeMap[N] extends { options: infer O }
    ? O
    : unknown
  : unknown;
type ValuesOf<N extends string> = N extends KnownName
  ? MetricTypeMap[N] extends { values: infer V extends MetricValues }
    ? V
    : MetricValues
  : MetricValues;

// The registry holds definitions of any option type; calcMetric restores the types by name.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const registry = new Map<string, MetricDefinition<any, MetricValues>>(BUILTIN_METRICS.map((d) => [d.name, d]));

const NAME_RE = /^[a-z][a-z0-9_]*$/;

/** Add a metric. Names are lower_snake_case; registering a taken name throws unless `replace` is set. */
export function registerMetric<O, V extends MetricValues>(
  definition: MetricDefinition<O, V>,
  options: { replace?: boolean } = {},
): void {
  if (!NAME_RE.test(definition.name)) {
    throw new InputError('E_INVALID_ARGUMENT', `Metric names are lower_snake_case, got "${definition.name}".`);
  }
  if (registry.has(definition.name) && options.replace !== true) {
    throw new InputError('E_INVALID_ARGUMENT', `Metric "${definition.name}" is already registered (pass { replace: true }).`);
  }
  registry.set(definition.name, definition as MetricDefinition<unknown, MetricValues>);
}

/** Whether `name` is a registered metric. */
export function isValidMetric(name: string): boolean {
  return registry.has(name);
}

/** Every registered metric, sorted by name, for `semstyle metrics --list`. */
export function listMetrics(): { name: string; description: string }[] {
  return [...registry.values()]
    .map((d) => ({ name: d.name, description: d.description }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The definition of `name`; throws `UnknownNameError` (code `E_UNKNOWN_NAME`) listing the valid names. */
export function getMetric(name: string): MetricDefinition<unknown, MetricValues> {
  const definition = registry.get(name);
  if (definition === undefined) throw new UnknownNameError('metric', name, [...registry.keys()].sort());
  return definition;
}

export interface CalcMetricOptions {
  /** Called as the metric advances (stage, done, total). */
  readonly onProgress?: ProgressCallback;
}

/**
 * Run a registered metric: the analogue of stylegan2-ada's `metric_main.calc_metric`. Returns the
 * values together with sample counts, seconds and backend; write it out with `appendMetricResult`
 * from `@semstyle/metrics/node`.
 */
export async function calcMetric<N extends string>(
  name: N,
  options: OptionsOf<N>,
  calcOptions: CalcMetricOptions = {},
): Promise<MetricResult<ValuesOf<N>>> {
  const definition = getMetric(name);
  const started = performance.now();
  const onProgress = calcOptions.onProgress;
  const output = await definition.run(options, {
    progress: (stage, done, total) => onProgress?.({ metric: name, stage, done, total }),
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    name,
    values: output.values as ValuesOf<N>,
    numSamples: output.numSamples,
    seconds,
    timestamp: Date.now(),
    backend: tf.getBackend(),
    ...(output.info === undefined ? {} : { info: output.info }),
  };
}
