/**
 * The float64 reference model against the official PyTorch goldens of
 * /work/shared/fixtures/official-parity/small (weights.safetensors + goldens.safetensors), plus
 * checks of randomOfficialStateDict and smoke runs on configs without goldens.
 */
import { existsSync, readFileSync } from 'node:fs';

import { beforeAll, describe, expect, it } from 'vitest';

import type { DiscriminatorConfig, GeneratorConfig } from '../../src/contract/config.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import {
  referenceDiscriminator,
  referenceGenerator,
  referenceMapping,
  type RefStateDict,
  type RefStateTensor,
  type RefTensor,
} from './reference-model.js';
import { randomOfficialStateDict } from './random-state-dict.js';

const FIXTURE_DIR = process.env.SEMSTYLE_PARITY_FIXTURE ?? '/work/shared/fixtures/official-parity/small';
const haveFixture = existsSync(`${FIXTURE_DIR}/weights.safetensors`) && existsSync(`${FIXTURE_DIR}/goldens.safetensors`);

// ---------------------------------------------------------------------------------------------
// helpers

function load(path: string): { tensors: Map<string, RefStateTensor>; metadata: Record<string, string> } {
  const file = readSafetensors(new Uint8Array(readFileSync(path)));
  const tensors = new Map<string, RefStateTensor>();
  for (const [name, t] of file.tensors) {
    if (!(t.data instanceof Float32Array)) throw new Error(`${name}: expected float32`);
    tensors.set(name, { shape: [...t.shape], data: t.data });
  }
  return { tensors, metadata: file.metadata };
}

function withoutPrefix(all: ReadonlyMap<string, RefStateTensor>, prefix: string): Map<string, RefStateTensor> {
  const out = new Map<string, RefStateTensor>();
  for (const [k, v] of all) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}

function f64(t: RefStateTensor): RefTensor {
  return { shape: [...t.shape], data: Float64Array.from(t.data) };
}

function slice0(t: RefTensor, start: number, end: number): RefTensor {
  const inner = t.data.length / t.shape[0]!;
  return { shape: [end - start, ...t.shape.slice(1)], data: t.data.slice(start * inner, end * inner) };
}

const report: string[] = [];

/** max abs err ≤ 1e-4 · max(1, max|golden|), printed. */
function expectClose(name: string, actual: RefTensor, golden: RefStateTensor, relTol = 1e-4): void {
  expect([...actual.shape], `${name} shape`).toEqual([...golden.shape]);
  let maxErr = 0;
  let maxAbs = 0;
  for (let i = 0; i < golden.data.length; i++) {
    const g = golden.data[i]!;
    maxAbs = Math.max(maxAbs, Math.abs(g));
    const e = Math.abs(actual.data[i]! - g);
    if (!(e <= maxErr)) maxErr = Number.isNaN(e) ? Infinity : Math.max(maxErr, e);
  }
  const tol = relTol * Math.max(1, maxAbs);
  const line = `${name.padEnd(24)} max abs err ${maxErr.toExponential(2)}  max|golden| ${maxAbs.toPrecision(4)}  tol ${tol.toExponential(2)}`;
  report.push(line);
  console.log(line);
  expect(maxErr, line).toBeLessThanOrEqual(tol);
}

function adaptivePoolTo(t: RefTensor, S: number): RefTensor {
  const [N, C, H, W] = t.shape as [number, number, number, number];
  const f = H / S;
  const out = new Float64Array(N * C * S * S);
  for (let nc = 0; nc < N * C; nc++) for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    let s = 0;
    for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < W / S; dx++) s += t.data[nc * H * W + (y * f + dy) * W + x * f + dx]!;
    out[nc * S * S + y * S + x] = s / (f * f);
  }
  return { shape: [N, C, S, S], data: out };
}

function configsFromMetadata(metadata: Record<string, string>): { g: GeneratorConfig; d: DiscriminatorConfig } {
  const cfg = JSON.parse(metadata.config ?? '{}') as { model: Record<string, unknown> };
  const m = cfg.model;
  const channels: Record<number, number> = {};
  for (const [k, v] of Object.entries(m.channels as Record<string, number>)) channels[Number(k)] = v;
  const num = (k: string) => m[k] as number;
  const g: GeneratorConfig = {
    size: num('size'),
    styleDim: num('style_dim'),
    nMlp: num('n_mlp'),
    lrMlp: num('lr_mlp'),
    segDim: num('seg_dim'),
    coarseSize: num('coarse_size'),
    minFeatSize: num('min_feat_size'),
    localLayers: num('local_layers'),
    localChannel: num('local_channel'),
    coarseChannel: num('coarse_channel'),
    baseLayers: num('base_layers'),
    depthLayers: num('depth_layers'),
    residualRefine: m.residual_refine as boolean,
    detachTexture: m.detach_texture as boolean,
    transparentDims: m.transparent_dims as number[],
    blurKernel: m.blur_kernel as number[],
    channelMultiplier: num('channel_multiplier'),
    channels,
    regionNames: Array.from({ length: num('seg_dim') }, (_, i) => `r${i}`),
  };
  const d: DiscriminatorConfig = {
    imgSize: num('d_img_size'),
    segSize: num('d_seg_size'),
    imgDim: num('img_dim'),
    segDim: num('seg_dim'),
    channels,
    blurKernel: m.blur_kernel as number[],
    stddevGroup: num('d_stddev_group'),
    stddevFeat: num('d_stddev_feat'),
  };
  return { g, d };
}

// ---------------------------------------------------------------------------------------------
// fixture parity

describe.skipIf(!haveFixture)('reference model vs official goldens (fixture small)', () => {
  let G: RefStateDict;
  let D: RefStateDict;
  let gold: Map<string, RefStateTensor>;
  let gCfg: GeneratorConfig;
  let dCfg: DiscriminatorConfig;
  const golden = (k: string): RefStateTensor => {
    const t = gold.get(k);
    if (!t) throw new Error(`golden ${k} missing`);
    return t;
  };

  beforeAll(() => {
    const w = load(`${FIXTURE_DIR}/weights.safetensors`);
    G = withoutPrefix(w.tensors, 'g_ema.');
    D = withoutPrefix(w.tensors, 'd.');
    const gl = load(`${FIXTURE_DIR}/goldens.safetensors`);
    gold = gl.tensors;
    ({ g: gCfg, d: dCfg } = configsFromMetadata(w.metadata));
    expect(gCfg.size).toBe(64);
    expect(gCfg.segDim).toBe(5);
  });

  it('mapping: w = style(z), wplus = style(wplus_z)', () => {
    expectClose('w', referenceMapping(gCfg, G, f64(golden('z'))), golden('w'));
    const wz = f64(golden('wplus_z'));
    const flat = referenceMapping(gCfg, G, { shape: [wz.shape[0]! * wz.shape[1]!, wz.shape[2]!], data: wz.data });
    expectClose('wplus', { shape: [...wz.shape], data: flat.data }, golden('wplus'));
  });

  it('case 1: z → image, seg, intermediates; D on the fake', () => {
    const t0 = performance.now();
    const out = referenceGenerator(gCfg, G, f64(golden('z')), { noise: 'const' });
    console.log(`case 1 generator forward (N=4, 64px, K=5): ${(performance.now() - t0).toFixed(0)} ms`);
    expectClose('image', out.image, golden('image'));
    expectClose('seg', out.seg, golden('seg'));
    expectClose('seg_coarse', out.segCoarse, golden('seg_coarse'));
    expectClose('depths', out.depths, golden('depths'));
    expectClose('m', out.m, golden('m'));
    expectClose('latents_expanded', out.latentsExpanded, golden('latents_expanded'));
    expectClose('pos_embed', out.posEmbed, golden('pos_embed'));
    expectClose('feat_coarse', out.featCoarse, golden('feat_coarse'));
    // local feats of sample 0: [K, N, C, H, W] → [K, C, H, W]
    const [K, N, C, H, W] = out.localFeats.shape as [number, number, number, number, number];
    const s0 = new Float64Array(K * C * H * W);
    for (let k = 0; k < K; k++) s0.set(out.localFeats.data.subarray(k * N * C * H * W, (k * N + 1) * C * H * W), k * C * H * W);
    expectClose('local_feats_s0', { shape: [K, C, H, W], data: s0 }, golden('local_feats_s0'));
    expect(out.renderRgbs.length).toBe(2);
    expectClose('render_rgb_32', out.renderRgbs[0]!, golden('render_rgb_32'));
    expectClose('render_seg_32', out.renderSegs[0]!, golden('render_seg_32'));
    // mask loss (train.py): mean((seg_coarse − avgpool(seg, cs))²)
    const pooled = adaptivePoolTo(out.seg, gCfg.coarseSize);
    const per = new Float64Array(4);
    const inner = pooled.data.length / 4;
    for (let i = 0; i < pooled.data.length; i++) per[Math.floor(i / inner)]! += (out.segCoarse.data[i]! - pooled.data[i]!) ** 2 / inner;
    expectClose('mask_reg_per_sample', { shape: [4], data: per }, golden('mask_reg_per_sample'));
    expectClose('mask_reg', { shape: [1], data: Float64Array.of(per.reduce((a, b) => a + b, 0) / 4) }, golden('mask_reg'));
    // D on our own fake (image, raw seg logits), as train.py
    expectClose('d_out_fake', referenceDiscriminator(dCfg, D, out.image, out.seg), golden('d_out_fake'));
  });

  it('case 2: W+ with truncation 0.7 around w_mean', () => {
    const out = referenceGenerator(gCfg, G, f64(golden('wplus')), {
      truncation: 0.7,
      truncationLatent: f64(golden('w_mean')),
      noise: 'const',
    });
    expectClose('t07_image', out.image, golden('t07_image'));
    expectClose('t07_seg', out.seg, golden('t07_seg'));
    expectClose('t07_seg_coarse', out.segCoarse, golden('t07_seg_coarse'));
    expectClose('t07_depths', out.depths, golden('t07_depths'));
    expectClose('t07_m', out.m, golden('t07_m'));
    expectClose('t07_latents_expanded', out.latentsExpanded, golden('t07_latents_expanded'));
  });

  it('case 3: composition mask', () => {
    const out = referenceGenerator(gCfg, G, f64(golden('z')), { compositionMask: f64(golden('compmask')), noise: 'const' });
    expectClose('cm_image', out.image, golden('cm_image'));
    expectClose('cm_seg', out.seg, golden('cm_seg'));
    expectClose('cm_seg_coarse', out.segCoarse, golden('cm_seg_coarse'));
    expectClose('cm_m', out.m, golden('cm_m'));
    expectClose('cm_depths (= depths)', out.depths, golden('depths'));
  });

  it('case 4: style mixing W+ (texture of region 2 from a second w)', () => {
    const out = referenceGenerator(gCfg, G, f64(golden('mix_wplus')), { noise: 'const' });
    expectClose('mix_image', out.image, golden('mix_image'));
    expectClose('mix_seg', out.seg, golden('mix_seg'));
    expectClose('mix_seg_coarse', out.segCoarse, golden('mix_seg_coarse'));
    expectClose('mix_m', out.m, golden('mix_m'));
    expectClose('mix_latents_expanded', out.latentsExpanded, golden('mix_latents_expanded'));
    expectClose('mix_w2', referenceMapping(gCfg, G, f64(golden('mix_z2'))), golden('mix_w2'));
  });

  it('discriminator: d_out, d_out_b8 (two stddev groups), d_out_imgonly', () => {
    const img = f64(golden('d_in_img'));
    const seg = f64(golden('d_in_seg'));
    const t0 = performance.now();
    expectClose('d_out', referenceDiscriminator(dCfg, D, slice0(img, 0, 4), slice0(seg, 0, 4)), golden('d_out'));
    console.log(`D forward (N=4, 64px, both branches): ${(performance.now() - t0).toFixed(0)} ms`);
    expectClose('d_out_b8', referenceDiscriminator(dCfg, D, img, seg), golden('d_out_b8'));
    expectClose('d_out_imgonly', referenceDiscriminator(dCfg, D, slice0(img, 0, 4)), golden('d_out_imgonly'));
  });

  it('randomOfficialStateDict covers exactly the fixture key set (names and shapes) for the fixture config', () => {
    const rnd = randomOfficialStateDict(gCfg, dCfg, 7);
    const check = (ours: ReadonlyMap<string, RefStateTensor>, theirs: ReadonlyMap<string, RefStateTensor>, label: string) => {
      expect([...ours.keys()].sort(), label).toEqual([...theirs.keys()].sort());
      for (const [k, v] of theirs) {
        const o = ours.get(k)!;
        expect([...o.shape], `${label} ${k}`).toEqual([...v.shape]);
        if (k.endsWith('kernel')) expect(Array.from(o.data), `${label} ${k} (FIR kernel)`).toEqual(Array.from(v.data));
      }
    };
    check(rnd.generator, G, 'g_ema');
    check(rnd.discriminator, D, 'd');
    // same seed → same values; different seed → different values
    const again = randomOfficialStateDict(gCfg, dCfg, 7);
    expect(Array.from(again.generator.get('style.1.weight')!.data)).toEqual(Array.from(rnd.generator.get('style.1.weight')!.data));
    const other = randomOfficialStateDict(gCfg, dCfg, 8);
    expect(Array.from(other.generator.get('style.1.weight')!.data)).not.toEqual(Array.from(rnd.generator.get('style.1.weight')!.data));
  });

  it('no composition mask = all-ones mask; noise none differs from const', () => {
    const z = slice0(f64(golden('z')), 0, 2);
    const a = referenceGenerator(gCfg, G, z);
    const ones: RefTensor = { shape: [2, 5], data: new Float64Array(10).fill(1) };
    const b = referenceGenerator(gCfg, G, z, { compositionMask: ones });
    let d = 0;
    for (let i = 0; i < a.image.data.length; i++) d = Math.max(d, Math.abs(a.image.data[i]! - b.image.data[i]!));
    expect(d).toBeLessThan(1e-6);
    const c = referenceGenerator(gCfg, G, z, { noise: 'none' });
    let dn = 0;
    for (let i = 0; i < a.image.data.length; i++) dn = Math.max(dn, Math.abs(a.image.data[i]! - c.image.data[i]!));
    expect(dn).toBeGreaterThan(1e-3);
  });

  it('prints the error table', () => {
    console.log(`\nreference vs official goldens (max abs err, tolerance 1e-4·max(1, max|golden|)):\n${report.join('\n')}`);
    expect(report.length).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// configs without goldens: the random state dict drives the reference end to end

function smallGen(over: Partial<GeneratorConfig>): GeneratorConfig {
  return {
    size: 32,
    styleDim: 16,
    nMlp: 2,
    lrMlp: 0.01,
    segDim: 3,
    coarseSize: 16,
    minFeatSize: 8,
    localLayers: 4,
    localChannel: 8,
    coarseChannel: 8,
    baseLayers: 1,
    depthLayers: 3,
    residualRefine: false,
    detachTexture: false,
    transparentDims: [],
    blurKernel: [1, 3, 3, 1],
    channelMultiplier: 1,
    channels: { 4: 16, 8: 16, 16: 12, 32: 8 },
    regionNames: ['bg', 'a', 'b'],
    ...over,
  };
}

function smallDisc(g: GeneratorConfig, over: Partial<DiscriminatorConfig> = {}): DiscriminatorConfig {
  return {
    imgSize: g.size,
    segSize: g.size,
    imgDim: 3,
    segDim: g.segDim,
    channels: g.channels,
    blurKernel: g.blurKernel,
    stddevGroup: 4,
    stddevFeat: 1,
    ...over,
  };
}

function zInput(n: number, d: number, seed: number): RefTensor {
  let s = seed;
  const data = new Float64Array(n * d).map(() => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
  return { shape: [n, d], data };
}

function maxDiff(a: RefTensor, b: RefTensor): number {
  let d = 0;
  for (let i = 0; i < a.data.length; i++) d = Math.max(d, Math.abs(a.data[i]! - b.data[i]!));
  return d;
}

describe('reference model on random official state dicts (no goldens)', () => {
  it('runs K=3, 32px, residual refine, a transparent class, other channel table; shapes, finiteness', () => {
    const g = smallGen({ residualRefine: true, transparentDims: [2] });
    const d = smallDisc(g);
    const sd = randomOfficialStateDict(g, d, 3);
    const z = zInput(2, g.styleDim, 11);
    const out = referenceGenerator(g, sd.generator, z);
    expect([...out.image.shape]).toEqual([2, 3, 32, 32]);
    expect([...out.seg.shape]).toEqual([2, 3, 32, 32]);
    expect([...out.segCoarse.shape]).toEqual([2, 3, 16, 16]);
    expect([...out.latentsExpanded.shape]).toEqual([2, 12, 16]);
    expect([...out.posEmbed.shape]).toEqual([8, 16, 16]);
    for (const t of [out.image, out.seg, out.m, out.featCoarse]) expect(t.data.every(Number.isFinite)).toBe(true);
    // region 0 depth is exactly 0; m sums to 1
    for (let p = 0; p < 256; p++) {
      expect(out.depths.data[p]).toBe(0);
      expect(out.m.data[p]! + out.m.data[256 + p]! + out.m.data[512 + p]!).toBeCloseTo(1, 12);
    }
    // residual refine and transparency change the result
    const plain = referenceGenerator(smallGen({}), sd.generator, z);
    expect(maxDiff(plain.seg, out.seg)).toBeGreaterThan(1e-3);
    expect(maxDiff(plain.image, out.image)).toBeGreaterThan(1e-3);
    const dOut = referenceDiscriminator(d, sd.discriminator, out.image, out.seg);
    expect([...dOut.shape]).toEqual([2, 1]);
    expect(dOut.data.every(Number.isFinite)).toBe(true);
  });

  it('residual refine adds exactly seg_coarse to the seg skip at coarse size', () => {
    const g = smallGen({});
    const sd = randomOfficialStateDict(g, smallDisc(g), 5);
    const z = zInput(1, g.styleDim, 3);
    const a = referenceGenerator(g, sd.generator, z);
    const b = referenceGenerator({ ...g, residualRefine: true }, sd.generator, z);
    // stage 0 outputs 16 = coarse size: seg there differs by exactly seg_coarse; rgb unchanged
    const diff = a.renderSegs[0]!.data.map((v, i) => b.renderSegs[0]!.data[i]! - v);
    expect(maxDiff({ shape: a.segCoarse.shape, data: diff }, a.segCoarse)).toBeLessThan(1e-12);
    expect(maxDiff(a.image, b.image)).toBe(0);
  });

  it('every random generator parameter matters (perturbing one tensor moves the output)', () => {
    const g = smallGen({ segDim: 2, localLayers: 3, depthLayers: 2, regionNames: ['bg', 'a'] });
    const sd = randomOfficialStateDict(g, smallDisc(g), 9);
    const z = zInput(1, g.styleDim, 5);
    const base = referenceGenerator(g, sd.generator, z);
    const insensitive: string[] = [];
    for (const [name, t] of sd.generator) {
      if (name.endsWith('.kernel')) continue;
      const copy = new Map(sd.generator);
      const data = Float32Array.from(t.data, (v) => v + 0.05 + 0.05 * Math.abs(v));
      copy.set(name, { shape: t.shape, data });
      const o = referenceGenerator(g, copy, z);
      if (Math.max(maxDiff(base.image, o.image), maxDiff(base.seg, o.seg)) < 1e-6) insensitive.push(name);
    }
    expect(insensitive).toEqual([]);
  });

  it('every random discriminator parameter matters', () => {
    const g = smallGen({ size: 16, coarseSize: 8, minFeatSize: 4, channels: { 4: 8, 8: 6, 16: 4 } });
    const d = smallDisc(g);
    const sd = randomOfficialStateDict(g, d, 21);
    const img: RefTensor = { shape: [4, 3, 16, 16], data: zInput(4, 3 * 16 * 16, 7).data };
    const seg: RefTensor = { shape: [4, 3, 16, 16], data: zInput(4, 3 * 16 * 16, 8).data };
    const base = referenceDiscriminator(d, sd.discriminator, img, seg);
    const insensitive: string[] = [];
    for (const [name, t] of sd.discriminator) {
      if (name.endsWith('.kernel')) continue;
      const copy = new Map(sd.discriminator);
      copy.set(name, { shape: t.shape, data: Float32Array.from(t.data, (v) => v + 0.05 + 0.05 * Math.abs(v)) });
      if (maxDiff(base, referenceDiscriminator(d, copy, img, seg)) < 1e-7) insensitive.push(name);
    }
    expect(insensitive).toEqual([]);
  });

  it('D: stddev groups, seg=None, a 16px segmentation branch, stddevFeat 2', () => {
    const g = smallGen({});
    const d = smallDisc(g, { segSize: 16, stddevFeat: 2 });
    const sd = randomOfficialStateDict(g, d, 13);
    const img: RefTensor = { shape: [4, 3, 32, 32], data: zInput(4, 3 * 32 * 32, 1).data };
    const seg: RefTensor = { shape: [4, 3, 16, 16], data: zInput(4, 3 * 16 * 16, 2).data };
    const both = referenceDiscriminator(d, sd.discriminator, img, seg);
    const imgOnly = referenceDiscriminator(d, sd.discriminator, img);
    expect([...both.shape]).toEqual([4, 1]);
    expect(maxDiff(both, imgOnly)).toBeGreaterThan(1e-4);
    // group 2 for N=2 → stats differ from running samples alone
    const pair = referenceDiscriminator(d, sd.discriminator, slice0(img, 0, 2), slice0(seg, 0, 2));
    expect(pair.data.every(Number.isFinite)).toBe(true);
  });
});
