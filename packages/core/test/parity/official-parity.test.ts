/**
 * Parity with the official PyTorch implementation: every golden of
 * ../shared/fixtures/official-parity/small (produced by the official code) is reproduced on wasm and cpu,
 * max abs error ≤ 1e-4 · max(1, max|golden|) (R1 terms: relative error ≤ 1e-3, as the fixture suggests).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend.js';
import '../../src/kernels/register.js';
import { SemanticStyleGAN } from '../../src/model/semantic-stylegan.js';
import { DualBranchDiscriminator } from '../../src/model/dual-branch-discriminator.js';
import { compareToGolden, golden, goldenNhwc, goldenTensor, loadFixture, PARITY_TOLERANCE, type Fixture } from '../helpers/fixture.js';
import type { WPlusLatent } from '../../src/contract/latent-types.js';
import { maskRegularizer } from '../../src/training/losses.js';

const measured: Array<{ backend: string; golden: string; maxAbsError: number; normalisedError: number }> = [];

describe.each(['wasm', 'cpu'] as const)('official parity on %s', (backend) => {
  let fixture: Fixture;
  let g: SemanticStyleGAN;
  let d: DualBranchDiscriminator;

  beforeAll(async () => {
    await initBackend(backend);
    fixture = loadFixture();
    g = SemanticStyleGAN.fromStateDict(fixture.config, fixture.weights, { prefix: 'g_ema.', strict: false });
    d = DualBranchDiscriminator.fromStateDict(fixture.config, fixture.weights, { prefix: 'd.', strict: false });
  });

  afterAll(() => {
    g.dispose();
    d.dispose();
  });

  async function expectGolden(name: string, actual: tf.Tensor, options: { nchw?: boolean } = { nchw: true }): Promise<void> {
    const result = await compareToGolden(actual, golden(fixture, name), options);
    measured.push({ backend, golden: name, maxAbsError: result.maxAbsError, normalisedError: result.normalisedError });
    expect(result.normalisedError, `${name} on ${backend}`).toBeLessThanOrEqual(PARITY_TOLERANCE);
  }

  function wplus(name: string): WPlusLatent {
    return { space: 'w+', tensor: goldenTensor(fixture, name) as tf.Tensor3D, layout: g.layout };
  }

  it('mapping network: z → w', async () => {
    const z = { space: 'z' as const, tensor: goldenTensor(fixture, 'z') as tf.Tensor2D };
    const w = g.map(z);
    await expectGolden('w', w.tensor, {});
    tf.dispose([z.tensor, w.tensor]);
  });

  it('case 1: z → image, seg, seg_coarse, depths, m, expanded latents and intermediates', async () => {
    const z = goldenTensor(fixture, 'z') as tf.Tensor2D;
    const w = g.mapTensor(z);
    const wp = tf.tile(tf.expandDims(w, 1), [1, g.layout.nLatent, 1]) as tf.Tensor3D;
    const traced = new Map<string, tf.Tensor>();
    const out = g.forward(wp, { noise: 'const', trace: (name, t) => traced.set(name, t) });
    await expectGolden('image', out.image);
    await expectGolden('seg', out.seg);
    await expectGolden('seg_coarse', out.segCoarse);
    await expectGolden('depths', out.depths);
    await expectGolden('m', out.masks);
    await expectGolden('latents_expanded', out.latentsExpanded, {});
    await expectGolden('feat_coarse', traced.get('feat_coarse')!);
    await expectGolden('render_rgb_32', traced.get('render_rgb_32')!);
    await expectGolden('render_seg_32', traced.get('render_seg_32')!);
    // pos_embed golden: [C, H, W] of sample 0; traced: [H, W, C].
    const pos = tf.tidy(() => tf.transpose(traced.get('pos_embed')!, [2, 0, 1]));
    await expectGolden('pos_embed', pos, {});
    // local_feats_s0 golden: [K, C, H, W]; traced: [K, N, P, C].
    const cs = fixture.config.generator.coarseSize;
    const local0 = tf.tidy(() => {
      const t = traced.get('local_feats')!;
      const [k, , , c] = t.shape as [number, number, number, number];
      return tf.transpose(tf.reshape(tf.slice(t, [0, 0, 0, 0], [k, 1, -1, -1]), [k, cs, cs, c]), [0, 3, 1, 2]);
    });
    await expectGolden('local_feats_s0', local0, {});
    const maskReg = maskRegularizer(out.segCoarse, out.seg);
    await expectGolden('mask_reg', maskReg.mean, {});
    await expectGolden('mask_reg_per_sample', maskReg.perSample, {});
    const dFake = d.forward(out.image, out.seg);
    await expectGolden('d_out_fake', dFake, {});
    tf.dispose([z, w, wp, out, pos, local0, maskReg, dFake, [...traced.values()]]);
  });

  it('case 2: truncation 0.7 toward w_mean on every W+ slot', async () => {
    const mean = goldenTensor(fixture, 'w_mean');
    g.setMeanW(mean);
    const latent = wplus('wplus');
    const out = g.generate(latent, { truncation: 0.7 });
    await expectGolden('t07_image', out.image);
    await expectGolden('t07_seg', out.seg);
    await expectGolden('t07_seg_coarse', out.segCoarse);
    await expectGolden('t07_depths', out.depths);
    await expectGolden('t07_m', out.masks);
    const truncated = g.toLatentWPlus(latent, { truncation: 0.7 });
    const expanded = g.forward(truncated.tensor, { noise: 'const' });
    await expectGolden('t07_latents_expanded', expanded.latentsExpanded, {});
    tf.dispose([mean, latent.tensor, out, truncated.tensor, expanded]);
  });

  it('case 3: composition mask', async () => {
    const z = { space: 'z' as const, tensor: goldenTensor(fixture, 'z') as tf.Tensor2D };
    const mask = goldenTensor(fixture, 'compmask') as tf.Tensor2D;
    const out = g.generate(z, { compositionMask: mask });
    await expectGolden('cm_image', out.image);
    await expectGolden('cm_seg', out.seg);
    await expectGolden('cm_seg_coarse', out.segCoarse);
    await expectGolden('cm_m', out.masks);
    await expectGolden('depths', out.depths);
    tf.dispose([z.tensor, mask, out]);
  });

  it('case 4: style mixing of one region texture code', async () => {
    const latent = wplus('mix_wplus');
    const out = g.synthesize(latent);
    await expectGolden('mix_image', out.image);
    await expectGolden('mix_seg', out.seg);
    await expectGolden('mix_seg_coarse', out.segCoarse);
    await expectGolden('mix_m', out.masks);
    const expanded = g.forward(latent.tensor, { noise: 'const' });
    await expectGolden('mix_latents_expanded', expanded.latentsExpanded, {});
    tf.dispose([latent.tensor, out, expanded]);
  });

  it('discriminator: dual branch, batch 8 minibatch-stddev groups, image only', async () => {
    const img = goldenNhwc(fixture, 'd_in_img');
    const seg = goldenNhwc(fixture, 'd_in_seg');
    const img4 = tf.slice(img, [0, 0, 0, 0], [4, -1, -1, -1]);
    const seg4 = tf.slice(seg, [0, 0, 0, 0], [4, -1, -1, -1]);
    const out = d.predict(img4, seg4);
    const out8 = d.predict(img, seg);
    const outImg = d.predict(img4);
    await expectGolden('d_out', out, {});
    await expectGolden('d_out_b8', out8, {});
    await expectGolden('d_out_imgonly', outImg, {});
    tf.dispose([img, seg, img4, seg4, out, out8, outImg]);
  });

  it('discriminator: per-sample R1 gradients w.r.t. image and segmentation', async () => {
    const img = tf.slice(goldenNhwc(fixture, 'd_in_img'), [0, 0, 0, 0], [4, -1, -1, -1]);
    const seg = tf.slice(goldenNhwc(fixture, 'd_in_seg'), [0, 0, 0, 0], [4, -1, -1, -1]);
    const [gImg, gSeg] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(d.forward(a as tf.Tensor4D, b as tf.Tensor4D)))([img, seg]);
    const r1Img = tf.sum(tf.square(gImg!), [1, 2, 3]);
    const r1Seg = tf.sum(tf.square(gSeg!), [1, 2, 3]);
    for (const [name, actual] of [['r1_img', r1Img], ['r1_seg', r1Seg]] as const) {
      const expected = golden(fixture, name).data as Float32Array;
      const values = await actual.data();
      let rel = 0;
      expected.forEach((e, i) => (rel = Math.max(rel, Math.abs(values[i]! - e) / Math.abs(e))));
      measured.push({ backend, golden: name, maxAbsError: rel, normalisedError: rel });
      expect(rel, `${name} relative error on ${backend}`).toBeLessThanOrEqual(1e-3);
    }
    tf.dispose([img, seg, gImg, gSeg, r1Img, r1Seg]);
  });
});

afterAll(() => {
  // The measured errors, for the record (vitest prints console output of the file).
  console.log('official parity — measured errors (max abs / normalised):');
  for (const m of measured) console.log(`  ${m.backend.padEnd(5)} ${m.golden.padEnd(22)} ${m.maxAbsError.toExponential(2)}  ${m.normalisedError.toExponential(2)}`);
});
