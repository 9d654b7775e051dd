/**
 * Vite config of the browser demo (`npm run web`, `npm run web:build`, `npm run web:preview`).
 * - @semstyle/* resolve to the packages' sources (no package build needed; edits show at once).
 * - tfjs' wasm binaries are served from this origin: `wasm/` beside index.html (dev server middleware;
 *   copied into the build).
 * - `models/default/` is the embedded default model of @semstyle/core (packages/core/models/default/);
 *   other `models/…` paths fall back to the repository's `models/` folder (dev and preview); anything else
 *   in the build's own `models/` folder is served as a static file.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Connect, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../..');
const wasmDir = join(repo, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
const TYPES: Record<string, string> = { '.json': 'application/json', '.wasm': 'application/wasm', '.bin': 'application/octet-stream', '.safetensors': 'application/octet-stream' };

/** Serve files under `prefix` from `dir` (only existing plain files inside it; everything else falls through). */
function serveFolder(prefix: string, dir: string): Connect.NextHandleFunction {
  return (req, res, next) => {
    const url = req.url === undefined ? undefined : decodeURIComponent(req.url.split('?')[0]!);
    if (url === undefined || !url.startsWith(prefix) || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    const file = normalize(join(dir, url.slice(prefix.length)));
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) return next();
    const ext = file.slice(file.lastIndexOf('.'));
    res.setHeader('Content-Type', TYPES[ext] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(statSync(file).size));
    res.setHeader('Cache-Control', 'no-cache');
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };
}

function semstyleStatic(): Plugin {
  const wasm = serveFolder('/wasm/', wasmDir);
  const defaultModel = serveFolder('/models/default/', join(repo, 'packages/core/models/default'));
  const repoModels = serveFolder('/models/', join(repo, 'models'));
  const models: Connect.NextHandleFunction = (req, res, next) => defaultModel(req, res, () => repoModels(req, res, next));
  return {
    name: 'semstyle-static',
    configureServer(server) {
      server.middlewares.use(wasm);
      server.middlewares.use(models);
    },
    configurePreviewServer(server) {
      server.middlewares.use(models);
    },
    generateBundle() {
      for (const name of WASM_FILES) this.emitFile({ type: 'asset', fileName: `wasm/${name}`, source: readFileSync(join(wasmDir, name)) });
    },
  };
}

const src = (pkg: string, entry = 'index.ts') => join(repo, 'packages', pkg, 'src', entry);

export default defineConfig({
  root: here,
  base: './',
  // No SPA fallback: a missing file (e.g. a model without directions.json) is a 404, not index.html.
  appType: 'mpa',
  plugins: [semstyleStatic()],
  resolve: {
    alias: [
      { find: /^@semstyle\/core$/, replacement: src('core') },
      { find: /^@semstyle\/interfacegan$/, replacement: src('interfacegan') },
      { find: /^@semstyle\/metrics$/, replacement: src('metrics') },
    ],
  },
  build: {
    outDir: join(repo, 'out/web'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
