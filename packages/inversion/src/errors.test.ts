import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, InputError, WeightsError, type SemanticGeneratorV1 } from '@semstyle/core';
import { createTestingGenerator } from '@semstyle/core/testing';
import { expectCode, useWasm } from './test-support/setup.js';
import { prepareImages } from './image.js';
import { asDifferentiable, asTunable } from './generator.js';
import { encoderConfigFor } from './encoder/config.js';
import { ReStyleEncoder } from './encoder/restyle-encoder.js';
import { invert } from './invert.js';

beforeAll(useWasm);

describe('bad input', () => {
  it('wrong image size: refused (E_SHAPE) by default, resized on request', () => {
    const img = tf.zeros([1, 48, 40, 3]);
    const e = expectCode(() => prepareImages(img, 32), 'E_SHAPE', InputError);
    expect(e.message).toContain("resize: 'bilinear'");
    const r = prepareImages(img, 32, { resize: 'bilinear' });
    expect(r.shape).toEqual([1, 32, 32, 3]);
    tf.dispose([img, r]);
  });

  it('grey and RGBA images: converted by default, refused on request; other channel counts refused', () => {
    const grey = tf.fill([32, 32, 1], 0.5);
    const g3 = prepareImages(grey, 32);
    expect(g3.shape).toEqual([1, 32, 32, 3]);
    expect(Array.from(g3.dataSync().slice(0, 3))).toEqual([0.5, 0.5, 0.5]);
    expectCode(() => prepareImages(grey, 32, { channels: 'refuse' }), 'E_SHAPE');
    // RGBA: colour −1 (black) at alpha 0 ([−1, 1] encoding: −1) over the default white background → 1.
    const rgba = tf.concat([tf.fill([1, 32, 32, 3], -1), tf.fill([1, 32, 32, 1], -1)], 3);
    const c = prepareImages(rgba, 32);
    expect(c.dataSync()[0]).toBeCloseTo(1, 6);
    expectCode(() => prepareImages(rgba, 32, { channels: 'refuse' }), 'E_SHAPE');
    const two = tf.zeros([32, 32, 2]);
    expectCode(() => prepareImages(two, 32), 'E_SHAPE');
    expectCode(() => prepareImages(tf.zeros([32, 32]), 32), 'E_SHAPE');
    const nan = tf.fill([32, 32, 3], NaN);
    expectCode(() => prepareImages(nan, 32), 'E_NON_FINITE');
    tf.dispose([grey, g3, rgba, c, two, nan]);
  });

  it('a generator without a differentiable forward (V1 only) is refused with E_CONFIG', () => {
    const g = createTestingGenerator();
    const v1Only: SemanticGeneratorV1 = {
      specificationVersion: g.specificationVersion,
      config: g.config,
      layout: g.layout,
      regions: g.config.regionNames,
      resolution: g.resolution,
      sampleZ: (n, s) => g.sampleZ(n, s),
      map: (z, o) => g.map(z, o),
      meanW: () => g.meanW(),
      toWPlus: (w) => g.toWPlus(w),
      synthesize: (l, o) => g.synthesize(l, o),
      dispose: () => g.dispose(),
    };
    expectCode(() => asDifferentiable(v1Only), 'E_CONFIG', ConfigError);
    expectCode(() => asTunable(v1Only), 'E_CONFIG', ConfigError);
    const img = tf.zeros([1, 32, 32, 3]);
    expectCode(() => invert(v1Only, img, { method: 'optimize', steps: 1 }), 'E_CONFIG');
    expectCode(() => invert(g, img, { method: 'optimize', steps: 0 }), 'E_INVALID_ARGUMENT');
    expectCode(() => invert(g, img, { method: 'optimize', steps: 1, mode: 'w', mask: { regions: ['region_1'] } }), 'E_INVALID_ARGUMENT');
    expectCode(() => invert(g, img, { method: 'optimize', steps: 1, mask: { regions: ['nose'] } }), 'E_UNKNOWN_REGION');
    expectCode(() => invert(g, tf.zeros([1, 64, 64, 3]), { method: 'optimize', steps: 1 }), 'E_SHAPE');
    tf.dispose(img);
    g.dispose();
  });

  it('encoder weights with a missing or mis-shaped tensor are WeightsError', async () => {
    const g = createTestingGenerator();
    const cfg = encoderConfigFor(g, { preset: 'tiny' });
    const enc = ReStyleEncoder.create(cfg, 0);
    const state = await enc.toStateDict();
    const missing = new Map(state);
    missing.delete('latlayer1.weight');
    expectCode(() => ReStyleEncoder.fromStateDict(cfg, missing), 'E_WEIGHTS_MISSING', WeightsError);
    const bad = new Map(state);
    bad.set('latlayer1.bias', { dtype: 'float32', shape: [3], data: new Float32Array(3) });
    expectCode(() => ReStyleEncoder.fromStateDict(cfg, bad), 'E_WEIGHTS_SHAPE', WeightsError);
    const extra = new Map(state);
    extra.set('nonsense', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
    expectCode(() => ReStyleEncoder.fromStateDict(cfg, extra), 'E_WEIGHTS_UNEXPECTED', WeightsError);
    enc.dispose();
    expectCode(() => enc.forward(tf.zeros([1, 32, 32, 6]) as tf.Tensor4D), 'E_DISPOSED');
    g.dispose();
  });
});
