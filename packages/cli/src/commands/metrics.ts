import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { initBackend, InputError, type BackendName } from '@semstyle/core';
import { loadGenerator } from '@semstyle/core/node';
import { calcMetric, isValidMetric, listMetrics, getMetric, pixelExtractor, type FeatureExtractor, type MetricResult } from '@semstyle/metrics';
import { appendMetricResult, FileStatsCache, realStatsKeyForFiles } from '@semstyle/metrics/node';
import { listPngs, pngBatches } from '../image-folder.js';

/** Metrics that compare real images with generated ones. */
const NEEDS_REAL = /^(fid|kid|pr)(_|$)/;

export interface MetricsCommandOptions {
  readonly checkpoint?: string;
  readonly metrics: readonly string[];
  readonly real?: string;
  readonly num?: number;
  readonly batch?: number;
  readonly truncation?: number;
  readonly results?: string;
  readonly cacheDir?: string;
  readonly progress?: boolean;
  /** Feature space of plain fid / kid / pr: `pixels` (8×8 pixels, 192-d, for quick checks). The `*_nsfwjs_inception` metrics bring their own. */
  readonly extractor?: 'pixels';
}

/** Plain feature metrics need an explicit feature space. */
const PLAIN_FEATURE_METRIC = /^(fid|kid|pr)$/;

function extractorFor(name: string, choice: MetricsCommandOptions['extractor']): FeatureExtractor | undefined {
  if (!PLAIN_FEATURE_METRIC.test(name)) return undefined;
  // 8×8 pixels (192-d): small enough for a full covariance; 64² pixels (12 288-d) would not be.
  if (choice === 'pixels') return pixelExtractor({ size: 8 });
  throw new InputError('E_INVALID_ARGUMENT', `Metric ${name} needs a feature space: pass --extractor pixels, or use ${name}_nsfwjs_inception (InceptionV3 features).`);
}

/** Run registered metrics on a generator (and a real-image folder where a metric needs one). */
export async function metricsCommand(options: MetricsCommandOptions): Promise<MetricResult[]> {
  for (const name of options.metrics) getMetric(name); // unknown names: a typed error listing the valid ones
  const generator = await loadGenerator(options.checkpoint);
  const results: MetricResult[] = [];
  try {
    for (const name of options.metrics) {
      const bar = options.progress ? new cliProgress.SingleBar({ format: `${name} {stage} [{bar}] {value}/{total}`, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
      let started = false;
      const onProgress = (p: { stage: string; done: number; total: number }) => {
        if (!bar) return;
        if (!started) {
          bar.start(p.total, p.done, { stage: p.stage });
          started = true;
        }
        bar.setTotal(p.total);
        bar.update(p.done, { stage: p.stage });
      };
      const num = options.num ?? 1000;
      const batchSize = options.batch ?? 8;
      const generated = { generator, num, batchSize, ...(options.truncation === undefined ? {} : { truncation: options.truncation }) };
      let metricOptions: Record<string, unknown>;
      if (NEEDS_REAL.test(name)) {
        if (!options.real) throw new InputError('E_INVALID_ARGUMENT', `Metric ${name} compares with real images: give --real DIR (a folder of ${generator.resolution}×${generator.resolution} PNGs).`);
        const extractor = extractorFor(name, options.extractor);
        const files = await listPngs(options.real);
        const realCache = options.cacheDir
          ? { cache: new FileStatsCache(options.cacheDir), key: await realStatsKeyForFiles(files, extractor?.id ?? name, { size: generator.resolution }) }
          : undefined;
        metricOptions = {
          real: { images: pngBatches(files, generator.resolution, batchSize), maxImages: Math.min(files.length, num) },
          fake: generated,
          ...(extractor ? { extractor } : {}),
          ...(realCache ? { realCache } : {}),
        };
      } else {
        metricOptions = { ...generated };
      }
      const result = await calcMetric(name as never, metricOptions as never, { onProgress });
      bar?.stop();
      results.push(result);
      if (options.results) await appendMetricResult(options.results, result);
    }
    return results;
  } finally {
    generator.dispose();
  }
}

export async function runMetrics(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      list: { type: 'boolean' },
      checkpoint: { type: 'string' },
      metric: { type: 'string' },
      real: { type: 'string' },
      num: { type: 'string' },
      batch: { type: 'string' },
      truncation: { type: 'string' },
      results: { type: 'string' },
      cache: { type: 'string' },
      extractor: { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  if (values.list) {
    const all = listMetrics();
    const width = Math.max(...all.map((m) => m.name.length));
    for (const m of all) console.log(`${m.name.padEnd(width)}  ${m.description}`);
    return;
  }
  if (!values.metric) throw new InputError('E_INVALID_ARGUMENT', 'metrics needs --metric NAME[,NAME…] (see `semstyle metrics --list`).');
  const metrics = values.metric.split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of metrics) if (!isValidMetric(m)) getMetric(m);
  const num = values.num === undefined ? undefined : Number(values.num);
  if (num !== undefined && (!Number.isInteger(num) || num <= 0)) throw new InputError('E_INVALID_ARGUMENT', `--num must be a positive integer (got ${values.num}).`);
  await initBackend((values.backend ?? 'wasm') as BackendName);
  const results = await metricsCommand({
    ...(values.checkpoint ? { checkpoint: values.checkpoint } : {}),
    metrics,
    ...(values.real ? { real: values.real } : {}),
    ...(num ? { num } : {}),
    ...(values.batch ? { batch: Number(values.batch) } : {}),
    ...(values.truncation ? { truncation: Number(values.truncation) } : {}),
    ...(values.results ? { results: values.results } : {}),
    ...(values.cache ? { cacheDir: values.cache } : {}),
    ...(values.extractor ? { extractor: values.extractor as 'pixels' } : {}),
    progress: process.stderr.isTTY === true,
  });
  for (const r of results) console.log(JSON.stringify({ metric: r.name, ...r.values, samples: r.numSamples, seconds: Math.round(r.seconds * 10) / 10 }));
}
