/**
 * Browser tests of the demo page (examples/web): Debian's `chromium` driven by playwright-core, against a
 * production build served by `vite preview`, on the tiny test model (test-model.ts) written into the
 * build's `models/tiny/` at test time. Skipped, with a message, when no Chromium executable exists.
 *
 * Screenshots and the frame times land in out/test-artifacts/web/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, openDemo, ROOT_DIR, startDemo, type DemoServer, type OpenedPage } from './harness.js';
import type { BenchmarkResult, PixelDump } from './src/hook.js';
import { TEST_DIRECTION, writeTestModel } from './test-model.js';

const ARTIFACTS = join(ROOT_DIR, 'out/test-artifacts/web');
const CHROMIUM = findChromium();
if (!CHROMIUM) console.warn(`[web] browser tests skipped: no Chromium at ${process.env['SEMSTYLE_CHROMIUM'] ?? '/usr/bin/chromium'} (apt-get install chromium, or set SEMSTYLE_CHROMIUM).`);

/** The face, the donor face and the region of the swap checks (tiny model: background, region_1…3). */
const FACE = 5;
const DONOR = 11;
const REGION = 'region_2';

/**
 * Region-swap locality (measured figures in examples/web/README.md, "What the tests check"). U is the
 * union of the region's cells in the region masks (argmax of softmax(depths)) before and after.
 * - The region masks may change only inside U: exactly 0 cells elsewhere (a region's codes move only its
 *   own depth, and a softmax keeps the order of the others).
 * - At least SHARE_INSIDE of the absolute pixel change lies in U widened by DILATE pixels (the render
 *   net's convolutions carry a change a couple of pixels past a mask border), and a pixel in U changes
 *   on average at least CONCENTRATION times as much as one outside U.
 */
const DILATE = 2;
const SHARE_INSIDE = 0.85;
const CONCENTRATION = 2.5;
/**
 * WebGPU / WebGL vs wasm, same model and seed: max |Δ| of the raw image values (range about [-1, 1]).
 * Measured on this model: see README "Browser tests". The masks must agree on ≥ 99% of cells.
 */
const GPU_TOLERANCE = 1e-4;
const MASK_AGREEMENT = 0.99;

const log = (...args: unknown[]) => console.log('[web]', ...args);

/** Per-cell change between two dumps, with the swap-locality figures. */
function locality(before: PixelDump, after: PixelDump, region: number) {
  const { size, maskSize } = before;
  const f = size / maskSize;
  const union = new Uint8Array(maskSize * maskSize);
  let maskChangedOutside = 0;
  let maskChangedInside = 0;
  for (let p = 0; p < union.length; p++) {
    union[p] = before.maskLabels[p] === region || after.maskLabels[p] === region ? 1 : 0;
    if (before.maskLabels[p] !== after.maskLabels[p]) union[p] ? maskChangedInside++ : maskChangedOutside++;
  }
  // The union at image resolution, widened by DILATE pixels.
  const inside = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hit = 0;
      for (let dy = -DILATE; dy <= DILATE && !hit; dy++) {
        for (let dx = -DILATE; dx <= DILATE && !hit; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < size && xx >= 0 && xx < size) hit = union[Math.floor(yy / f) * maskSize + Math.floor(xx / f)]!;
        }
      }
      inside[y * size + x] = hit;
    }
  }
  let total = 0;
  let within = 0;
  let insidePixels = 0;
  let labelsChangedOutside = 0;
  const inU = { change: 0, pixels: 0 };
  const outU = { change: 0, pixels: 0 };
  for (let p = 0; p < size * size; p++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs(after.rgb[p * 3 + c]! - before.rgb[p * 3 + c]!);
    total += d;
    const side = union[Math.floor(Math.floor(p / size) / f) * maskSize + Math.floor((p % size) / f)] ? inU : outU;
    side.change += d;
    side.pixels++;
    if (inside[p]) {
      within += d;
      insidePixels++;
    } else if (before.labels[p] !== after.labels[p]) labelsChangedOutside++;
  }
  return {
    unionCells: union.reduce((a, b) => a + b, 0),
    maskCells: union.length,
    maskChangedInside,
    maskChangedOutside,
    shareInside: total === 0 ? 1 : within / total,
    insideFraction: insidePixels / (size * size),
    concentration: inU.change / Math.max(1, inU.pixels) / Math.max(1e-9, outU.change / Math.max(1, outU.pixels)),
    totalChange: total,
    labelsChangedOutside,
  };
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function agreement(a: readonly number[], b: readonly number[]): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

describe.skipIf(!CHROMIUM)(
  CHROMIUM ? `browser demo in ${CHROMIUM} (examples/web)` : 'browser demo (examples/web) — SKIPPED: no Chromium; install Debian `chromium` or set SEMSTYLE_CHROMIUM',
  () => {
    let server: DemoServer;
    let wasm: OpenedPage;
    const reference: { sample?: PixelDump; swapped?: PixelDump } = {};
    const frameTimes: BenchmarkResult[] = [];

    async function open(backend: string, model = 'models/tiny/'): Promise<OpenedPage> {
      const opened = await openDemo(server, { model, backend, seed: FACE });
      log(`${backend}: ready in ${opened.readyMs} ms (device: ${opened.info.device}${opened.info.software ? ', software' : ''})`);
      return opened;
    }

    const dump = (page: Page) => page.evaluate(() => window.semstyle!.readPixels());
    const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      server = await startDemo(
        CHROMIUM!,
        async (dist) => {
          await writeTestModel(join(dist, 'models/tiny'));
          await writeTestModel(join(dist, 'models/tiny-plain'), { directions: false });
        },
        (m) => log(m),
      );
    });

    afterAll(async () => {
      if (frameTimes.length > 0) writeFileSync(join(ARTIFACTS, 'frame-times.json'), `${JSON.stringify({ chromium: server?.browser.version(), frameTimes }, null, 2)}\n`);
      await server?.close();
    });

    it('loads the model from its own origin and renders a face (wasm)', async () => {
      wasm = await open('wasm');
      expect(wasm.info.backend).toBe('wasm');
      expect(wasm.info.regions).toEqual(['background', 'region_1', 'region_2', 'region_3']);
      expect(wasm.info.resolution).toBe(32);
      expect(wasm.info.directions).toEqual([TEST_DIRECTION]);
      const px = await dump(wasm.page);
      reference.sample = px;
      expect(px.size).toBe(32);
      expect(px.rgb).toHaveLength(32 * 32 * 3);
      const mean = px.rgb.reduce((a, b) => a + b, 0) / px.rgb.length;
      const spread = Math.sqrt(px.rgb.reduce((a, b) => a + (b - mean) ** 2, 0) / px.rgb.length);
      expect(spread).toBeGreaterThan(5); // a picture, not a flat colour
      expect(new Set(px.maskLabels).size).toBeGreaterThan(1);
      // Nothing came from anywhere but the page's origin: scripts, wasm binaries, model, directions.
      const origin = new URL(server.url).origin;
      const foreign = wasm.requests.filter((r) => !r.startsWith(origin) && !r.startsWith('data:') && !r.startsWith('blob:'));
      expect(foreign).toEqual([]);
      expect(wasm.requests.some((r) => r.endsWith('.wasm'))).toBe(true);
      expect(wasm.requests.some((r) => r.endsWith('models/tiny/model.json'))).toBe(true);
      expect(await wasm.page.textContent('#backend')).toBe('wasm');
      expect(await wasm.page.textContent('#frame-time')).toMatch(/\d+(\.\d+)? ms/);
      await shot(wasm.page, 'wasm-sample');
      expect(wasm.errors).toEqual([]);
    });

    it(`a swap of ${REGION} from another face changes only ${REGION} (pixels and mask)`, async () => {
      const { page } = wasm;
      const before = await dump(page);
      const k = wasm.info.regions.indexOf(REGION);
      const tensors = await page.evaluate(() => window.semstyle!.tensors());
      await page.evaluate(([r, d]) => window.semstyle!.swap(r, 'both', d), [REGION, DONOR] as const);
      const after = await dump(page);
      reference.swapped = after;
      const both = locality(before, after, k);
      log(`swap ${REGION} (shape+texture) from face ${DONOR}:`, JSON.stringify(both));
      await shot(page, 'wasm-swap-both');
      expect(both.totalChange).toBeGreaterThan(0);
      expect(both.maskChangedInside).toBeGreaterThan(0); // its shape moved…
      expect(both.maskChangedOutside).toBe(0); // …and no other region's did
      expect(both.shareInside).toBeGreaterThanOrEqual(SHARE_INSIDE);
      expect(both.concentration).toBeGreaterThanOrEqual(CONCENTRATION);

      // Texture only: the masks do not move at all; the change stays inside the region.
      await page.evaluate((f) => window.semstyle!.sample(f), FACE);
      const base = await dump(page);
      expect(base.rgb).toEqual(before.rgb);
      await page.evaluate(([r, d]) => window.semstyle!.swap(r, 'texture', d), [REGION, DONOR] as const);
      const textured = await dump(page);
      const texture = locality(base, textured, k);
      log(`swap ${REGION} (texture) from face ${DONOR}:`, JSON.stringify(texture));
      await shot(page, 'wasm-swap-texture');
      expect(texture.totalChange).toBeGreaterThan(0);
      expect(textured.maskLabels).toEqual(base.maskLabels);
      expect(texture.shareInside).toBeGreaterThanOrEqual(SHARE_INSIDE);
      expect(texture.concentration).toBeGreaterThanOrEqual(CONCENTRATION);

      // The UI's own buttons do the same as the hook (choose the region, swap both from the donor).
      await page.evaluate((f) => window.semstyle!.sample(f), FACE);
      await page.check(`#choose-${k}`);
      await page.fill('#donor-seed', String(DONOR));
      await page.click('#swap-both');
      await page.waitForFunction((n) => window.semstyle!.readPixels().rgb.join() === n, after.rgb.join());
      await page.evaluate((f) => window.semstyle!.sample(f), FACE);
      expect(await page.evaluate(() => window.semstyle!.tensors())).toBe(tensors);
    });

    it('switching a region off removes it from the mask; on again restores the face', async () => {
      const { page } = wasm;
      const before = await dump(page);
      const k = wasm.info.regions.indexOf(REGION);
      await page.evaluate((r) => window.semstyle!.setRegionEnabled(r, false), REGION);
      const off = await dump(page);
      await shot(page, 'wasm-region-off');
      expect(before.maskLabels).toContain(k);
      expect(off.maskLabels).not.toContain(k);
      expect(await page.isChecked(`#on-${k}`)).toBe(false);
      await page.evaluate((r) => window.semstyle!.setRegionEnabled(r, true), REGION);
      expect((await dump(page)).rgb).toEqual(before.rgb);
    });

    it('an InterFaceGAN slider moves the face; strength 0 gives it back', async () => {
      const { page } = wasm;
      expect(await page.locator(`#direction-${TEST_DIRECTION}`).count()).toBe(1);
      const before = await dump(page);
      await page.evaluate((d) => window.semstyle!.setDirection(d, 2), TEST_DIRECTION);
      const moved = await dump(page);
      await shot(page, 'wasm-direction');
      expect(maxAbsDiff(moved.image, before.image)).toBeGreaterThan(1e-2);
      expect(await page.inputValue(`#direction-${TEST_DIRECTION}`)).toBe('2');
      await page.evaluate((d) => window.semstyle!.setDirection(d, 0), TEST_DIRECTION);
      expect((await dump(page)).rgb).toEqual(before.rgb);
      frameTimes.push(await page.evaluate(() => window.semstyle!.benchmark(10)));
      expect(wasm.errors).toEqual([]);
      await page.close();
    });

    it('auto picks a hardware backend, or wasm when WebGPU and WebGL are software renderers; no directions.json, no sliders', async () => {
      const auto = await open('auto', 'models/tiny-plain');
      log('auto:', JSON.stringify({ backend: auto.info.backend, skipped: auto.info.skipped }));
      expect(auto.info.software).toBe(false);
      if (auto.info.backend === 'wasm') expect(auto.info.skipped.length).toBeGreaterThan(0);
      else expect(['webgpu', 'webgl']).toContain(auto.info.backend);
      expect(auto.info.directions).toEqual([]);
      expect(await auto.page.locator('#directions input').count()).toBe(0);
      expect(await auto.page.textContent('#directions')).toMatch(/No InterFaceGAN directions/);
      expect(auto.errors).toEqual([]);
      await auto.page.close();
    });

    for (const backend of ['webgl', 'webgpu'] as const) {
      it(`${backend} renders the same face and swap as wasm (max |Δ| ≤ ${GPU_TOLERANCE})`, async (ctx) => {
        expect(reference.sample && reference.swapped, 'the wasm tests ran first').toBeTruthy();
        let opened: OpenedPage;
        try {
          opened = await open(backend);
        } catch (e) {
          const message = (e as Error).message;
          if (/no WebGPU adapter|navigator\.gpu|no WebGL context|did not start/.test(message)) {
            log(`${backend}: not available in this Chromium (${message}); skipped`);
            ctx.skip(`${backend} not available: ${message}`);
          }
          throw e;
        }
        const { page, info } = opened;
        expect(info.backend).toBe(backend);
        const sample = await dump(page);
        await page.evaluate(([r, d]) => window.semstyle!.swap(r, 'both', d), [REGION, DONOR] as const);
        const swapped = await dump(page);
        await shot(page, `${backend}-swap-both`);
        const diffs = {
          sample: maxAbsDiff(sample.image, reference.sample!.image),
          swapped: maxAbsDiff(swapped.image, reference.swapped!.image),
          rgbLevels: Math.max(maxAbsDiff(sample.rgb, reference.sample!.rgb), maxAbsDiff(swapped.rgb, reference.swapped!.rgb)),
          maskAgreement: Math.min(agreement(sample.maskLabels, reference.sample!.maskLabels), agreement(swapped.maskLabels, reference.swapped!.maskLabels)),
          labelAgreement: Math.min(agreement(sample.labels, reference.sample!.labels), agreement(swapped.labels, reference.swapped!.labels)),
        };
        log(`${backend} vs wasm:`, JSON.stringify(diffs));
        expect(diffs.sample).toBeLessThanOrEqual(GPU_TOLERANCE);
        expect(diffs.swapped).toBeLessThanOrEqual(GPU_TOLERANCE);
        expect(diffs.maskAgreement).toBeGreaterThanOrEqual(MASK_AGREEMENT);
        frameTimes.push(await page.evaluate(() => window.semstyle!.benchmark(3)));
        log(`${backend} frame times:`, JSON.stringify(frameTimes.at(-1)));
        expect(opened.errors).toEqual([]);
        await page.close();
      });
    }
  },
);
