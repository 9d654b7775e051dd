/**
 * Frame time of the demo page per backend and model, in headless Chromium (the figures of the README's
 * Performance › Browser section). A frame = synthesize + read back image, labels, masks and depths.
 *
 *   npx tsx examples/web/bench.ts [--frames 20] [--backends wasm,webgl,webgpu] [--models tiny,default64]
 *
 * Models: `tiny` (the browser tests' model, 32 px, K = 4); `default64` (the embedded default model, packages/core/models/default/, when it exists,
 * else random weights with models/default64.config.json: 64 px, K = 13 — the same computation, so the
 * same frame time). Screenshots: out/test-artifacts/web/bench-*.png. WebGPU and WebGL run on SwiftShader on a machine without a GPU: those figures say that
 * the path works, not how fast a GPU is. Prints one JSON line per measure, then a Markdown table.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFromOfficialArgs, initBackend, saveModel, SemanticStyleGAN } from '@semstyle/core';
import { nativeFileSystemHandler } from '@semstyle/core/node';
import { findChromium, openDemo, ROOT_DIR, startDemo } from './harness.js';
import { writeTestModel } from './test-model.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const frames = Number(arg('frames', '20'));
const backends = arg('backends', 'wasm,webgl,webgpu').split(',');
const models = arg('models', 'tiny,default64').split(',');
const shots = join(ROOT_DIR, 'out/test-artifacts/web');
const chromium = findChromium();
if (!chromium) throw new Error('No Chromium (apt-get install chromium, or set SEMSTYLE_CHROMIUM).');

const trained = existsSync(join(ROOT_DIR, 'packages/core/models/default/model.json'));
const server = await startDemo(
  chromium,
  async (dist) => {
    if (models.includes('tiny')) await writeTestModel(join(dist, 'models/tiny'));
    if (models.includes('default64') && !trained) {
      await initBackend('wasm');
      const config = configFromOfficialArgs(JSON.parse(readFileSync(join(ROOT_DIR, 'models/default64.config.json'), 'utf8')) as Record<string, unknown>);
      const g = SemanticStyleGAN.random(config, 0);
      await saveModel(nativeFileSystemHandler(join(dist, 'models/default64-random')), { generator: g });
      g.dispose();
    }
  },
  (m) => console.error(m),
);

const rows: string[] = [];
const version = server.browser.version();
try {
  for (const model of models) {
    const url = model === 'tiny' ? 'models/tiny/' : trained ? 'models/default/' : 'models/default64-random/';
    for (const backend of backends) {
      let opened;
      try {
        opened = await openDemo(server, { model: url, backend });
      } catch (e) {
        console.log(JSON.stringify({ model, backend, error: (e as Error).message }));
        continue;
      }
      const { info, page, readyMs } = opened;
      // SwiftShader WebGPU/WebGL on a large model: a few frames say enough.
      const n = info.software && model !== 'tiny' ? Math.min(frames, 3) : frames;
      const r = await page.evaluate((k) => window.semstyle!.benchmark(k), n);
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, `bench-${model}-${backend}.png`), fullPage: true });
      await page.close();
      const line = { model: `${model}${model === 'default64' && !trained ? ' (random weights)' : ''}`, resolution: info.resolution, regions: info.regions.length, ...r, software: info.software, device: info.device, firstFrameReadyMs: readyMs };
      console.log(JSON.stringify(line));
      rows.push(`| ${line.model}, ${info.resolution} px, K ${info.regions.length} | ${backend}${info.software ? ' (SwiftShader)' : ''} | ${r.medianMs.toFixed(1)} ms | ${r.minMs.toFixed(1)} ms | ${n} | ${(readyMs / 1000).toFixed(1)} s |`);
    }
  }
} finally {
  await server.close();
}
console.log(`\nChromium ${version} (${chromium})\n\n| model | backend | frame (median) | min | frames | page ready (load + first frame) |\n|---|---|---|---|---|---|\n${rows.join('\n')}`);
