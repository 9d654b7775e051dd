/**
 * `npm run bench [-- --filter SUBSTRING] [--backend wasm|cpu]`: runs the project's benchmarks and prints one
 * JSON line per measure (see record.ts). Measures whose name contains SUBSTRING run; the rest are skipped.
 * Machine-dependent: quote the machine with the numbers.
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { initBackend, type BackendName } from '@semstyle/core';
import type { BenchMeasure } from './record.js';
import { generatorMeasures } from './generator.js';

async function optionalMeasures(file: string, exportName: string): Promise<BenchMeasure[]> {
  const url = new URL(file, import.meta.url);
  if (!existsSync(url)) return [];
  const mod = (await import(url.href)) as Record<string, BenchMeasure[] | undefined>;
  return mod[exportName] ?? [];
}

const { values } = parseArgs({ options: { filter: { type: 'string' }, backend: { type: 'string' } }, allowPositionals: true });
const backend = await initBackend((values.backend ?? 'wasm') as BackendName);
const measures: BenchMeasure[] = [
  ...generatorMeasures,
  ...(await optionalMeasures('./training.ts', 'trainingMeasures')),
  ...(await optionalMeasures('./kernels.ts', 'kernelMeasures')),
  ...(await optionalMeasures('./metrics.ts', 'metricsMeasures')),
];
const selected = measures.filter((m) => !values.filter || m.name.includes(values.filter));
process.stderr.write(`bench: ${selected.length} of ${measures.length} measures on ${backend}\n`);
for (const measure of selected) {
  for (const record of await measure.run()) console.log(JSON.stringify({ measure: measure.name, ...record }));
}
