/**
 * What the browser tests and the browser benchmark share: find Debian's Chromium, build the demo once,
 * serve the build with `vite preview`, and launch headless Chromium with flags that need no network and
 * give WebGPU a (SwiftShader) adapter on a CPU-only machine.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import type { DemoInfo } from './src/hook.js';

export const WEB_DIR = fileURLToPath(new URL('.', import.meta.url));
export const ROOT_DIR = join(WEB_DIR, '../..');

/**
 * Headless Chromium without background network traffic. `--enable-unsafe-webgpu` exposes WebGPU; on a
 * machine without a GPU, Chromium's SwiftShader then provides a fallback adapter (and WebGL runs on
 * SwiftShader through ANGLE): correct, and slow.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--enable-unsafe-webgpu',
];

/**
 * `SEMSTYLE_CHROMIUM` (a path), else Debian's `/usr/bin/chromium` (or `chromium-browser`); undefined when
 * that file does not exist (the browser tests then skip).
 */
export function findChromium(): string | undefined {
  const explicit = process.env['SEMSTYLE_CHROMIUM'];
  const candidates = explicit ? [explicit] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p) => existsSync(p));
}

export interface DemoServer {
  readonly url: string;
  /** The build's folder (serve models from its `models/`). */
  readonly distDir: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * Build the demo into a temp folder, let `prepare(distDir)` add files (models), serve it with
 * `vite preview` on a free port, and launch Chromium.
 */
export async function startDemo(executablePath: string, prepare: (distDir: string) => Promise<void>, log: (msg: string) => void = () => undefined): Promise<DemoServer> {
  const tmp = mkdtempSync(join(tmpdir(), 'semstyle-web-'));
  const distDir = join(tmp, 'dist');
  const configFile = join(WEB_DIR, 'vite.config.ts');
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  try {
    let t0 = Date.now();
    await build({ configFile, logLevel: 'error', build: { outDir: distDir, emptyOutDir: true } });
    log(`vite build: ${Date.now() - t0} ms`);
    t0 = Date.now();
    await prepare(distDir);
    log(`models: ${Date.now() - t0} ms`);
    server = await preview({ configFile, logLevel: 'error', build: { outDir: distDir }, preview: { host: '127.0.0.1', port: 0 } });
    const address = server.httpServer.address();
    if (address === null || typeof address !== 'object') throw new Error('vite preview did not report its port');
    browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] });
    const url = `http://127.0.0.1:${address.port}/`;
    log(`chromium ${browser.version()} at ${executablePath}; serving ${url}`);
    const [b, s] = [browser, server];
    return {
      url,
      distDir,
      browser: b,
      async close() {
        await b.close();
        await s.close();
        rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await browser?.close();
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

export interface OpenedPage {
  readonly page: Page;
  readonly info: DemoInfo;
  /** Every URL the page requested. */
  readonly requests: string[];
  /** Page errors and console errors. */
  readonly errors: string[];
  /** Navigation to ready (ms). */
  readonly readyMs: number;
}

/** Open the demo with query parameters and wait until its first frame is drawn (throws the page's error). */
export async function openDemo(server: DemoServer, query: Record<string, string | number>): Promise<OpenedPage> {
  const page = await server.browser.newPage({ viewport: { width: 1000, height: 820 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // The optional directions.json may be absent: its 404 is expected, not an error.
    const optional404 = m.text().startsWith('Failed to load resource') && m.location().url.endsWith('/directions.json');
    if (m.type() === 'error' && !optional404) errors.push(`${m.text()} (${m.location().url})`);
  });
  const t0 = Date.now();
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  await page.goto(`${server.url}?${search.toString()}`);
  await page.waitForFunction(() => window.semstyle !== undefined);
  try {
    const info = await page.evaluate(() => window.semstyle!.ready);
    return { page, info, requests, errors, readyMs: Date.now() - t0 };
  } catch (e) {
    await page.close();
    throw e;
  }
}
