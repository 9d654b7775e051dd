import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend.js';
import '../../src/kernels/register.js';
import { createTestingGenerator } from '../../src/testing/index.js';
import { leakedTensors } from '../../src/testing/leaks.js';
import {
  broadcastToWPlus,
  concatLatents,
  getCode,
  interpolate,
  sampleZ,
  swapCodes,
  truncate,
  wLatent,
  wPlusLatent,
  zLatent,
} from '../../src/latent/latents.js';
import { expansionIndices, regionSlots, slotIndex } from '../../src/latent/layout.js';
import { presetConfig } from '../../src/config/presets.js';
import { configFromOfficialArgs } from '../../src/config/official-config.js';
import type { SemanticStyleGAN } from '../../src/model/semantic-stylegan.js';
import { DualBranchDiscriminator } from '../../src/model/dual-branch-discriminator.js';
import type { WPlusLatent } from '../../src/contract/latent-types.js';

describe('latent layout', () => {
  it('addresses codes by name in the official W+ order', () => {
    const faces = configFromOfficialArgs({ size: 256 }).generator;
    const layout = { styleDim: 512, baseLayers: 2, regionNames: faces.regionNames, nLatent: 28 };
    expect(slotIndex(layout, { kind: 'coarse', index: 1 })).toBe(1);
    expect(slotIndex(layout, { kind: 'shape', region: 'background' })).toBe(2);
    expect(slotIndex(layout, { kind: 'texture', region: 'background' })).toBe(3);
    expect(slotIndex(layout, { kind: 'shape', region: 'hair' })).toBe(2 + 2 * 7);
    expect(slotIndex(layout, { kind: 'texture', region: 'earrings' })).toBe(27);
    expect(regionSlots(layout, ['mouth'])).toEqual([10, 11]);
    expect(() => slotIndex(layout, { kind: 'shape', region: 'tail' })).toThrow(/Unknown region "tail".*background, skin/);
  });

  it('expands W+ exactly as the official expand_latents (faces config: 28 → 130)', () => {
    const g = configFromOfficialArgs({ size: 256 }).generator;
    const idx = expansionIndices(g);
    expect(idx.length).toBe(130);
    // Background: layers 0–5 its shape (slot 2), 6–9 its texture (slot 3).
    expect([...idx.slice(0, 10)]).toEqual([2, 2, 2, 2, 2, 2, 3, 3, 3, 3]);
    // Hair (k = 7): coarse 0, 1, then shape (16) for layers 2–5, texture (17) for 6–9.
    expect([...idx.slice(70, 80)]).toEqual([0, 1, 16, 16, 16, 16, 17, 17, 17, 17]);
  });
});

describe('latent operations', () => {
  let g: SemanticStyleGAN;
  beforeAll(async () => {
    await initBackend('wasm');
    g = createTestingGenerator({ seed: 1 });
  });
  afterAll(() => g.dispose());

  it('sampleZ is seeded (seed 0 included) and backend independent', async () => {
    const a = sampleZ(3, 8, 0);
    const b = sampleZ(3, 8, 0);
    const c = sampleZ(3, 8, 1);
    expect(await a.tensor.data()).toEqual(await b.tensor.data());
    expect(await a.tensor.data()).not.toEqual(await c.tensor.data());
    await initBackend('cpu');
    const d = sampleZ(3, 8, 0);
    expect(await d.tensor.data()).toEqual(await a.tensor.data());
    tf.dispose([a.tensor, b.tensor, c.tensor, d.tensor]);
    await initBackend('wasm');
  });

  it('truncate moves every code toward the mean by ψ (closed form)', async () => {
    const w = wLatent(tf.tensor2d([[2, 4], [0, -2]]));
    const mean = wLatent(tf.tensor2d([[1, 1]]));
    const t = truncate(w, mean, 0.5);
    expect(await t.tensor.array()).toEqual([[1.5, 2.5], [0.5, -0.5]]);
    tf.dispose([w.tensor, mean.tensor, t.tensor]);
  });

  it('swapCodes takes exactly the chosen region codes from the donor', async () => {
    const a = g.sampleWPlus(1, 10);
    const b = g.sampleWPlus(1, 11);
    const swapped = swapCodes(a, b, { regions: ['region_2'], kinds: ['texture'] });
    const slot = slotIndex(g.layout, { kind: 'texture', region: 'region_2' });
    const [sa, sb, ss] = await Promise.all([a.tensor.array(), b.tensor.array(), swapped.tensor.array()]);
    for (let i = 0; i < g.layout.nLatent; i++) expect(ss[0]![i]).toEqual(i === slot ? sb[0]![i] : sa[0]![i]);
    tf.dispose([a.tensor, b.tensor, swapped.tensor]);
  });

  it('a region swap changes that region and leaves the others nearly untouched (locality)', async () => {
    const a = g.sampleWPlus(1, 20);
    const b = g.sampleWPlus(1, 21);
    const swapped = swapCodes(a, b, { regions: ['region_3'], kinds: ['texture'] });
    const before = g.synthesize(a);
    const after = g.synthesize(swapped);
    // The coarse masks depend only on shape codes: a texture swap leaves every mask unchanged.
    expect(tf.max(tf.abs(tf.sub(before.masks, after.masks))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([a.tensor, b.tensor, swapped.tensor, before, after]);
  });

  it('interpolate: lerp end points, slerp keeps the norm of unit vectors, per-region selection', async () => {
    const a = zLatent(tf.tensor2d([[1, 0]]));
    const b = zLatent(tf.tensor2d([[0, 1]]));
    const mid = interpolate(a, b, 0.5, { method: 'slerp' });
    const [x, y] = (await mid.tensor.data()) as Float32Array;
    expect(Math.hypot(x!, y!)).toBeCloseTo(1, 5);
    expect(x).toBeCloseTo(Math.SQRT1_2, 5);
    const end = interpolate(a, b, 1);
    expect(await end.tensor.array()).toEqual([[0, 1]]);
    const wa = g.sampleWPlus(1, 1);
    const wb = g.sampleWPlus(1, 2);
    const part = interpolate(wa, wb, 1, { selection: { regions: ['region_1'] } });
    const slots = regionSlots(g.layout, ['region_1']);
    const [pa, pb, pp] = await Promise.all([wa.tensor.array(), wb.tensor.array(), part.tensor.array()]);
    for (let i = 0; i < g.layout.nLatent; i++) {
      const expected = slots.includes(i) ? pb[0]![i]! : pa[0]![i]!;
      pp[0]![i]!.forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 5));
    }
    tf.dispose([a.tensor, b.tensor, mid.tensor, end.tensor, wa.tensor, wb.tensor, part.tensor]);
  });

  it('getCode, concatLatents, broadcastToWPlus', async () => {
    const w = g.map(g.sampleZ(2, 3));
    const wp = broadcastToWPlus(w, g.layout);
    const code = getCode(wp, 5);
    expect(await code.array()).toEqual(await w.tensor.array());
    const both = concatLatents([wp, wp]);
    expect(both.tensor.shape).toEqual([4, g.layout.nLatent, g.config.styleDim]);
    tf.dispose([w.tensor, wp.tensor, code, both.tensor]);
  });

  it('renders with a composition mask by region names and region by region', () => {
    const w = g.sampleWPlus(1, 5);
    const only = g.synthesize(w, { compositionMask: ['background', 'region_2'] });
    const m = only.masks.dataSync();
    const K = g.config.segDim;
    for (let p = 0; p < m.length; p += K) {
      expect(m[p + 1]).toBe(0);
      expect(m[p + 3]).toBe(0);
      expect(m[p]! + m[p + 2]!).toBeCloseTo(1, 5);
    }
    const parts = g.renderRegions(w, { cumulative: true });
    expect(parts).toHaveLength(K);
    tf.dispose([w.tensor, only, ...parts]);
  });
});

describe('no leaked tensors', () => {
  let g: SemanticStyleGAN;
  beforeAll(async () => {
    await initBackend('wasm');
    g = createTestingGenerator({ seed: 2 });
    g.meanW({ samples: 100 }); // the cache is meant to persist
  });
  afterAll(() => g.dispose());

  const run = (fn: (g: SemanticStyleGAN) => tf.TensorContainer) => leakedTensors(() => tf.dispose(fn(g)));

  it.each([
    ['sampleZ', (g: SemanticStyleGAN) => g.sampleZ(2, 1).tensor],
    ['map', (g: SemanticStyleGAN) => { const z = g.sampleZ(2, 1); const w = g.map(z, { truncation: 0.7 }); return [z.tensor, w.tensor]; }],
    ['meanW', (g: SemanticStyleGAN) => g.meanW().tensor],
    ['generate (z, truncation, random noise)', (g: SemanticStyleGAN) => { const z = g.sampleZ(2, 1); const o = g.generate(z, { truncation: 0.5, noise: 'random', noiseSeed: 3 }); return [z.tensor, o]; }],
    ['synthesize with composition mask', (g: SemanticStyleGAN) => { const w = g.sampleWPlus(2, 1); return [w.tensor, g.synthesize(w, { compositionMask: ['background'] })]; }],
    ['forward (training path)', (g: SemanticStyleGAN) => { const w = g.sampleWPlus(2, 1); return [w.tensor, g.forward(w.tensor, { noise: 'none' })]; }],
    ['renderRegions', (g: SemanticStyleGAN) => { const w = g.sampleWPlus(1, 1); return [w.tensor, ...g.renderRegions(w)]; }],
    ['latent ops', (g: SemanticStyleGAN) => {
      const a = g.sampleWPlus(1, 1);
      const b = g.sampleWPlus(1, 2);
      return [a.tensor, b.tensor, swapCodes(a, b, { regions: ['region_1'] }).tensor, interpolate(a, b, 0.3, { method: 'slerp' }).tensor, getCode(a, 0)];
    }],
  ])('%s, repeated', async (_name, fn) => {
    await run(fn); // warm-up (kernels may cache)
    for (let i = 0; i < 3; i++) expect(await run(fn)).toBe(0);
  });

  it('discriminator predict / forward / gradients, repeated', async () => {
    const d = DualBranchDiscriminator.random(presetConfig('tiny'), 1);
    const img = tf.randomNormal([4, 32, 32, 3]) as tf.Tensor4D;
    const seg = tf.randomNormal([4, 32, 32, 4]) as tf.Tensor4D;
    const call = () =>
      tf.dispose([
        d.predict(img, seg),
        d.predict(img),
        tf.grad((x: tf.Tensor) => tf.sum(d.forward(x as tf.Tensor4D, seg)))(img),
      ]);
    await leakedTensors(call);
    for (let i = 0; i < 3; i++) expect(await leakedTensors(call)).toBe(0);
    tf.dispose([img, seg]);
    d.dispose();
  });
});

describe('bad input', () => {
  let g: SemanticStyleGAN;
  beforeAll(async () => {
    await initBackend('wasm');
    g = createTestingGenerator();
  });
  afterAll(() => g.dispose());

  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as { code?: string }).code;
    }
    return 'no error';
  };

  it('wrong latent shape names the tensor and both shapes', () => {
    const t = tf.zeros([2, 7, g.config.styleDim]);
    expect(() => g.synthesize({ space: 'w+', tensor: t as tf.Tensor3D, layout: g.layout })).toThrow(
      `W+ latent has shape [2, 7, ${g.config.styleDim}], expected [any, ${g.layout.nLatent}, ${g.config.styleDim}]`,
    );
    expect(code(() => g.map({ space: 'z', tensor: tf.zeros([2, 3]) as tf.Tensor2D }))).toBe('E_SHAPE');
    t.dispose();
  });

  it('a latent from the wrong space is refused at run time too (for JavaScript callers)', () => {
    const z = g.sampleZ(1, 0);
    expect(code(() => g.synthesize(z as unknown as WPlusLatent))).toBe('E_LATENT_SPACE');
    expect(code(() => g.map({ space: 'w', tensor: z.tensor } as never))).toBe('E_LATENT_SPACE');
    z.tensor.dispose();
  });

  it('NaN / Inf latents', () => {
    const bad = tf.tensor2d([[NaN, ...new Array(g.config.styleDim - 1).fill(0)]]);
    const inf = tf.fill([1, g.layout.nLatent, g.config.styleDim], Infinity);
    expect(code(() => g.map({ space: 'z', tensor: bad }))).toBe('E_NON_FINITE');
    expect(code(() => g.synthesize({ space: 'w+', tensor: inf as tf.Tensor3D, layout: g.layout }))).toBe('E_NON_FINITE');
    expect(code(() => zLatent(bad))).toBe('E_NON_FINITE');
    tf.dispose([bad, inf]);
  });

  it('unknown region names', () => {
    const w = g.sampleWPlus(1, 0);
    expect(code(() => g.synthesize(w, { compositionMask: ['hair'] }))).toBe('E_UNKNOWN_REGION');
    expect(code(() => swapCodes(w, w, { regions: ['hat'] }))).toBe('E_UNKNOWN_REGION');
    w.tensor.dispose();
  });

  it('a composition mask of the wrong shape', () => {
    const w = g.sampleWPlus(2, 0);
    const m = tf.ones([2, 3]) as tf.Tensor2D;
    expect(code(() => g.synthesize(w, { compositionMask: m }))).toBe('E_SHAPE');
    tf.dispose([w.tensor, m]);
  });

  it('W+ of another layout', () => {
    const other = { ...g.layout, nLatent: 5 };
    expect(code(() => wPlusLatent(tf.zeros([1, 6, 4]), other))).toBe('E_SHAPE');
  });

  it('a disposed generator says so', () => {
    const h = createTestingGenerator();
    h.dispose();
    expect(code(() => h.generate(sampleZ(1, h.config.styleDim, 0)))).toBe('E_DISPOSED');
  });

  it('invalid configs are refused with E_CONFIG', () => {
    expect(code(() => configFromOfficialArgs({ size: 100 }))).toBe('E_CONFIG');
    expect(code(() => configFromOfficialArgs({ size: 64, coarse_size: 64 }))).toBe('E_CONFIG');
    expect(code(() => configFromOfficialArgs({ size: 64, coarse_size: 32, min_feat_size: 16, transparent_dims: [13] }))).toBe('E_CONFIG');
    expect(code(() => configFromOfficialArgs({ size: 64, coarse_size: 32, channels: { 4: 8 } }))).toBe('E_CONFIG');
    expect(presetConfig('tiny').generator.size).toBe(32);
  });
});

describe('caches built inside a caller’s tf.tidy', () => {
  it('the first synthesize may run inside tf.tidy; later calls still work and nothing leaks', async () => {
    await initBackend('wasm');
    const g = createTestingGenerator({ seed: 9 });
    const w = g.sampleWPlus(1, 1);
    const first = tf.tidy(() => tf.clone(g.synthesize(w).image));
    const again = g.synthesize(w);
    expect(tf.max(tf.abs(tf.sub(first, again.image))).dataSync()[0]).toBe(0);
    tf.dispose([first, again, w.tensor]);
    const before = tf.memory().numTensors;
    g.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });
});
