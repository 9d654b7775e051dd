import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SemstyleError, UnknownNameError } from '@semstyle/core';
import { calcMetric, getMetric, listMetrics, registerMetric } from '../index.js';
import { pixelExtractor } from '../extractors/pixels.js';
import { MemoryStatsCache, statsCacheKey } from '../features/stats-cache.js';
import { appendMetricResult, FileStatsCache } from '../node/index.js';
import { createFakeGenerator } from '../test-support/fake-generator.js';
import { leaked, useWasm } from '../test-support/setup.js';
import type { MetricProgress } from './types.js';

beforeAll(useWasm);

const features = (n: number, d: number, seed: number, shift = 0) => {
  const t = tf.randomNormal([n, d], shift, 1, 'float32', seed);
  const data = Float32Array.from(t.dataSync());
  t.dispose();
  return { data, n, d };
};

describe('registry', () => {
  it('lists the built-in metrics with descriptions', () => {
    const names = listMetrics().map((m) => m.name);
    for (const n of ['fid', 'kid', 'pr', 'fid_nsfwjs_inception', 'mse', 'psnr', 'ssim', 'ms_ssim', 'identity', 'ppl_wend', 'ppl_zfull', 'linear_separability', 'direction_cosine', 'edit_locality']) {
      expect(names).toContain(n);
    }
    expect(listMetrics().every((m) => m.description.length > 10)).toBe(true);
  });

  it('throws UnknownNameError listing the valid names', async () => {
    await expect(calcMetric('fdi', {})).rejects.toThrow(UnknownNameError);
    try {
      getMetric('fdi');
    } catch (e) {
      expect(SemstyleError.isInstance(e) && e.code).toBe('E_UNKNOWN_NAME');
      expect((e as UnknownNameError).validNames).toContain('fid');
      expect((e as Error).message).toMatch(/Valid metrics: .*fid/);
    }
  });

  it('registers custom metrics and refuses duplicates', async () => {
    registerMetric({ name: 'custom_const', description: 'test metric', run: async () => ({ values: { v: 42 }, numSamples: { x: 1 } }) });
    expect(() => registerMetric({ name: 'custom_const', description: 'again', run: async () => ({ values: {}, numSamples: {} }) })).toThrow(/already registered/);
    expect((await calcMetric('custom_const', undefined)).values).toEqual({ v: 42 });
  });
});

describe('feature metrics through calcMetric', () => {
  it('fid on precomputed features: result shape, ≈ 0 against itself, progress, no leaks', async () => {
    const real = features(200, 8, 1);
    let result: Awaited<ReturnType<typeof calcMetric<'fid'>>> | undefined;
    expect(await leaked(async () => (result = await calcMetric('fid', { real: { features: real }, fake: { features: real } })))).toBe(0);
    expect(result!.name).toBe('fid');
    expect(result!.values.fid).toBeLessThan(1e-6);
    expect(result!.numSamples).toEqual({ real: 200, fake: 200 });
    expect(result!.seconds).toBeGreaterThanOrEqual(0);
    expect(result!.backend).toBe('wasm');
    const shifted = await calcMetric('fid', { real: { features: real }, fake: { features: features(200, 8, 2, 1) } });
    expect(shifted.values.fid).toBeGreaterThan(6); // ≈ ||Δμ||² = 8
  });

  it('fid / kid / pr from images with a pluggable extractor, real statistics cached, progress reported', async () => {
    const real = tf.randomUniform([12, 16, 16, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const g = createFakeGenerator();
    const cache = new MemoryStatsCache();
    const extractor = pixelExtractor({ size: 4 });
    const key = await statsCacheKey({ inputs: ['real-12'], extractorId: extractor.id });
    const progress: MetricProgress[] = [];
    const before = tf.memory().numTensors;
    const first = await calcMetric('fid', { real: { images: real }, fake: { generator: g, num: 10, batchSize: 4 }, extractor, realCache: { cache, key } }, { onProgress: (p) => progress.push(p) });
    const second = await calcMetric('fid', { real: { images: real }, fake: { generator: g, num: 10, batchSize: 4 }, extractor, realCache: { cache, key } });
    expect(first.info?.realCacheHit).toBe(false);
    expect(second.info?.realCacheHit).toBe(true);
    expect(second.values.fid).toBeCloseTo(first.values.fid, 6);
    expect(progress.some((p) => p.stage === 'real' && p.done === 12)).toBe(true);
    expect(progress.some((p) => p.stage === 'fake' && p.done === 10 && p.total === 10)).toBe(true);
    const kid = await calcMetric('kid', { real: { images: real }, fake: { generator: g, num: 10 }, extractor, numSubsets: 5 });
    expect(Number.isFinite(kid.values.kid)).toBe(true);
    const pr = await calcMetric('pr', { real: { images: real }, fake: { generator: g, num: 10 }, extractor });
    expect(pr.values.precision).toBeGreaterThanOrEqual(0);
    expect(pr.values.recall).toBeLessThanOrEqual(1);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(real);
    g.dispose();
  });

  it('bad input: too few samples, non-finite features, images without extractor', async () => {
    await expect(calcMetric('fid', { real: { features: features(1, 4, 1) }, fake: { features: features(5, 4, 2) } })).rejects.toThrow(
      /got 1 sample\(s\), need at least 2/,
    );
    const bad = features(5, 4, 1);
    bad.data[7] = Number.NaN;
    await expect(calcMetric('kid', { real: { features: bad }, fake: { features: features(5, 4, 2) } })).rejects.toThrow(
      expect.objectContaining({ code: 'E_NON_FINITE' }),
    );
    const img = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    await expect(calcMetric('fid', { real: { images: img }, fake: { images: img } })).rejects.toThrow(/no feature extractor/);
    const nanExtractor = { id: 'nan', extract: (x: tf.Tensor4D) => tf.fill([x.shape[0], 2], Number.NaN) as tf.Tensor2D };
    await expect(calcMetric('fid', { real: { images: img }, fake: { images: img }, extractor: nanExtractor })).rejects.toThrow(
      expect.objectContaining({ code: 'E_NON_FINITE' }),
    );
    tf.dispose(img);
  });
});

describe('pixel metrics through calcMetric', () => {
  it('psnr / mse / ssim on tensors and batch iterables; mismatched sizes are E_SHAPE', async () => {
    const a = tf.zeros([3, 16, 16, 3]) as tf.Tensor4D;
    const b = tf.fill([3, 16, 16, 3], 0.5) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect((await calcMetric('psnr', { a, b, batchSize: 2 })).values.psnr).toBeCloseTo(12.0412, 3);
    expect((await calcMetric('mse', { a, b })).values.mse).toBeCloseTo(0.25, 6);
    expect((await calcMetric('ssim', { a: b, b })).values.ssim).toBeCloseTo(1, 5);
    const batches = () => [tf.zeros([2, 16, 16, 3]) as tf.Tensor4D, tf.zeros([1, 16, 16, 3]) as tf.Tensor4D];
    const r = await calcMetric('mse', { a: batches(), b: batches() });
    expect(r.numSamples).toEqual({ pairs: 3 });
    expect(tf.memory().numTensors).toBe(before);
    const c = tf.zeros([3, 16, 15, 3]) as tf.Tensor4D;
    await expect(calcMetric('ssim', { a, b: c })).rejects.toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    tf.dispose([a, b, c]);
  });
});

describe('generator metrics', () => {
  it('edit_locality is 0 for a generator whose regions are independent and > 0 for a leaky one', async () => {
    const g = createFakeGenerator();
    const before = tf.memory().numTensors;
    const r = await calcMetric('edit_locality', { generator: g, num: 4, batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.values.outside_fraction).toBe(0);
    expect(r.values.mean_iou).toBe(1);
    expect(r.values['outside_fraction/a']).toBe(0);
    expect(r.values.pooled_outside_fraction).toBe(0);
    expect(r.values['pooled_outside_fraction/a']).toBe(0);
    expect(r.numSamples).toEqual({ images: 4, edits: 12 });
    const leaky = createFakeGenerator({ leaky: true });
    const rl = await calcMetric('edit_locality', { generator: leaky, num: 4, regions: ['a'], codes: 'texture' });
    expect(rl.values.outside_fraction).toBeGreaterThan(0.2);
    expect(rl.values['pooled_outside_fraction/a']).toBeGreaterThan(0.2);
    expect(rl.values['pooled_outside_fraction/a']).toBeLessThanOrEqual(1);
    // Masks from a parser instead of the generator's seg: a parser calling everything region "a" → no change is outside.
    const parser = (img: tf.Tensor4D) => tf.fill([img.shape[0], img.shape[1], img.shape[2]], 1, 'int32') as tf.Tensor3D;
    const rp = await calcMetric('edit_locality', { generator: leaky, num: 2, regions: ['a'], parser });
    expect(rp.values.outside_fraction).toBe(0);
    g.dispose();
    leaky.dispose();
  });

  it('ppl in W and Z is finite and positive, deterministic, and leak-free', async () => {
    const g = createFakeGenerator();
    const before = tf.memory().numTensors;
    const w1 = await calcMetric('ppl_wend', { generator: g, num: 20, batchSize: 5, seed: 1 });
    const w2 = await calcMetric('ppl_wend', { generator: g, num: 20, batchSize: 5, seed: 1 });
    const z = await calcMetric('ppl_zfull', { generator: g, num: 20, batchSize: 5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(w1.values.ppl).toBeGreaterThan(0);
    expect(w1.values.ppl).toBeCloseTo(w2.values.ppl, 6);
    expect(Number.isFinite(z.values.ppl)).toBe(true);
    g.dispose();
  });
});

describe('latent-space metrics', () => {
  it('linear_separability: separable labels give accuracy 1 and entropy 0', async () => {
    const lat = features(80, 3, 9);
    const labels = Array.from({ length: 80 }, (_, i) => (lat.data[i * 3]! > 0 ? 0.95 : 0.05));
    const r = await calcMetric('linear_separability', { latents: lat, labels: { smile: labels } });
    expect(r.values['accuracy/smile']).toBe(1);
    expect(r.values['entropy/smile']).toBeCloseTo(0, 6);
    expect(r.values.separability).toBeCloseTo(1, 6);
  });

  it('direction_cosine on hand-made directions', async () => {
    const r = await calcMetric('direction_cosine', { directions: { a: [1, 0, 0], b: [0, 2, 0], c: [1, 1, 0] } });
    expect(r.values['cos/a/b']).toBeCloseTo(0, 9);
    expect(r.values['cos/a/c']).toBeCloseTo(Math.SQRT1_2, 9);
    expect(r.values.mean_abs_cos).toBeCloseTo((2 * Math.SQRT1_2) / 3, 9);
    await expect(calcMetric('direction_cosine', { directions: { a: [1, 0], b: [1] } })).rejects.toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
  });
});

describe('node helpers', () => {
  it('appends JSON lines and round-trips the file statistics cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'semstyle-metrics-'));
    const a = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    const result = await calcMetric('psnr', { a, b: a });
    await appendMetricResult(join(dir, 'metric-psnr.jsonl'), result);
    await appendMetricResult(join(dir, 'metric-psnr.jsonl'), result, { snapshot: 'x.pkl' });
    const lines = (await readFile(join(dir, 'metric-psnr.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].metric).toBe('psnr');
    expect(lines[0].results.psnr).toBe('Infinity');
    expect(lines[1].snapshot).toBe('x.pkl');
    const cache = new FileStatsCache(join(dir, 'cache'));
    const f = features(5, 3, 1);
    await cache.set('k', { n: 5, features: f, moments: { n: 5, d: 1, mu: Float64Array.from([1.5]), sigma: Float64Array.from([2]) } });
    const back = await cache.get('k');
    expect(Array.from(back!.features!.data)).toEqual(Array.from(f.data));
    expect(back!.moments!.sigma[0]).toBe(2);
    expect(await cache.get('missing')).toBeUndefined();
    tf.dispose(a);
  });
});
