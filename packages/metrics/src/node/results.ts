import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MetricResult } from '../core/types.js';

/** Non-finite numbers (PSNR of identical images: +∞) survive JSON as strings. */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** One metric result as a JSON line (the format of stylegan2-ada's `metric-<name>.jsonl`). */
export function metricResultLine(result: MetricResult, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ results: result.values, metric: result.name, ...result, ...extra }, replacer)}\n`;
}

/** Append `result` as one JSON line to `path` (directories are created). */
export async function appendMetricResult(path: string, result: MetricResult, extra: Record<string, unknown> = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, metricResultLine(result, extra), 'utf8');
}
