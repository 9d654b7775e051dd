/**
 * Rendering speed of @semstyle/datasets. Prints one JSON line per measurement:
 *   {"bench":"latency", size, workers: 1, medianMs}            – one face at a time: render + PNG encode
 *   {"bench":"dataset", size, workers, n, medianMsPerFace, runsMs} – writeFaceDataset wall time / n (incl. worker start)
 * Usage: npx tsx packages/datasets/bench/render.ts [--n64 200] [--n256 60] [--reps 3] [--dist]
 * --dist measures the tsup build (run `npx tsup` in packages/datasets first): from sources, each worker
 * thread transpiles the TypeScript with tsx on start, which is not what users pay.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as sources from '../src/index.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number) => Math.round(x * 100) / 100;
const reps = arg('reps', 3);
const distPath = '../dist/index.js';
const lib = (process.argv.includes('--dist') ? await import(distPath) : sources) as typeof sources;
const { encodePng, renderFace, writeFaceDataset } = lib;

for (const size of [64, 256]) {
  const times: number[] = [];
  for (let seed = 0; seed < (size === 64 ? 60 : 30); seed++) {
    const t = performance.now();
    const face = await renderFace(seed, size);
    await Promise.all([encodePng(face.image, size, 3), encodePng(face.labels, size, 1)]);
    if (seed >= 5) times.push(performance.now() - t); // first few warm up
  }
  console.log(JSON.stringify({ bench: 'latency', size, workers: 1, faces: times.length, medianMs: round(median(times)) }));
}

for (const size of [64, 256]) {
  const n = size === 64 ? arg('n64', 200) : arg('n256', 60);
  for (const workers of [1, 2]) {
    const runs: number[] = [];
    for (let r = 0; r < reps; r++) {
      const out = await mkdtemp(join(tmpdir(), 'semstyle-bench-'));
      const res = await writeFaceDataset({ n, size, out, seed: r, workers });
      runs.push(res.ms);
      await rm(out, { recursive: true, force: true });
    }
    console.log(JSON.stringify({ bench: 'dataset', size, workers, n, medianMsPerFace: round(median(runs) / n), runsMs: runs.map(Math.round) }));
  }
}
