import * as tf from '@tensorflow/tfjs';
import { ssim as ssimJs } from 'ssim.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { leaked, useWasm } from '../test-support/setup.js';
import { msePerImage, psnrPerImage } from './pixel.js';
import { msSsimPerImage, ssimPerImage } from './ssim.js';

beforeAll(useWasm);

/** A deterministic 8-bit grayscale test pattern (gradient + texture). */
function pattern(w: number, h: number, phase: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[y * w + x] = Math.round(127 + 60 * Math.sin((x + phase) / 3) * Math.cos(y / 5) + (x * 2 - y));
  }
  return out;
}

const toTensor = (gray: Uint8ClampedArray, w: number, h: number) => tf.tensor4d(Float32Array.from(gray, (v) => (v / 255) * 2 - 1), [1, h, w, 1]);
const toRgba = (gray: Uint8ClampedArray, w: number, h: number) => {
  const data = new Uint8ClampedArray(w * h * 4);
  gray.forEach((v, i) => data.set([v, v, v, 255], i * 4));
  return { data, width: w, height: h };
};

describe('SSIM', () => {
  it('is 1 for identical images', () => {
    const a = tf.randomUniform([2, 24, 20, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const s = ssimPerImage(a, a);
    Array.from(s.dataSync()).forEach((v) => expect(v).toBeCloseTo(1, 5));
    tf.dispose([a, s]);
  });

  it('matches ssim.js ("original": Gaussian 11×11, σ 1.5, valid) on the same image pair', () => {
    const w = 48;
    const h = 40;
    const g1 = pattern(w, h, 0);
    const g2 = pattern(w, h, 1.5);
    const reference = ssimJs(toRgba(g1, w, h), toRgba(g2, w, h), { ssim: 'original', downsample: false, rgb2grayVersion: 'original' }).mssim;
    const a = toTensor(g1, w, h);
    const b = toTensor(g2, w, h);
    const ours = ssimPerImage(a, b);
    expect(reference).toBeGreaterThan(0.1);
    expect(reference).toBeLessThan(0.99);
    expect(ours.dataSync()[0]).toBeCloseTo(reference, 4);
    tf.dispose([a, b, ours]);
  });

  it('does not leak tensors', async () => {
    const a = tf.randomUniform([1, 16, 16, 3]) as tf.Tensor4D;
    const b = tf.randomUniform([1, 16, 16, 3]) as tf.Tensor4D;
    expect(await leaked(() => tf.dispose(ssimPerImage(a, b)))).toBe(0);
    const big = tf.randomUniform([1, 161, 161, 1]) as tf.Tensor4D;
    expect(await leaked(() => tf.dispose(msSsimPerImage(big, big)))).toBe(0);
    expect(await leaked(() => tf.dispose([msePerImage(a, b), psnrPerImage(a, b)]))).toBe(0);
    tf.dispose([a, b, big]);
  });

  it('rejects mismatched sizes and images smaller than the window', () => {
    const a = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    const b = tf.zeros([1, 16, 15, 3]) as tf.Tensor4D;
    const tiny = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    expect(() => ssimPerImage(a, b)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => ssimPerImage(tiny, tiny)).toThrow(/at least 11×11/);
    expect(() => msSsimPerImage(a, a)).toThrow(/at least 161×161/);
    tf.dispose([a, b, tiny]);
  });
});

describe('MS-SSIM', () => {
  it('is 1 for identical images and below 1 for different ones', () => {
    const a = tf.randomUniform([1, 161, 161, 1], -1, 1, 'float32', 2) as tf.Tensor4D;
    const b = tf.tidy(() => a.add(tf.randomNormal(a.shape, 0, 0.2, 'float32', 3))) as tf.Tensor4D;
    const same = msSsimPerImage(a, a);
    const diff = msSsimPerImage(a, b);
    expect(same.dataSync()[0]).toBeCloseTo(1, 4);
    expect(diff.dataSync()[0]).toBeLessThan(0.99);
    expect(diff.dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([a, b, same, diff]);
  });

  it('with one weight of 1 equals SSIM', () => {
    const a = tf.randomUniform([1, 20, 20, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
    const b = tf.randomUniform([1, 20, 20, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const m = msSsimPerImage(a, b, { weights: [1] });
    const s = ssimPerImage(a, b);
    expect(m.dataSync()[0]).toBeCloseTo(Math.max(0, s.dataSync()[0]!), 5);
    tf.dispose([a, b, m, s]);
  });
});

describe('MSE / PSNR', () => {
  it('match hand-computed values', () => {
    const a = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    const b = tf.concat([tf.fill([1, 4, 4, 3], 0.5), tf.fill([1, 4, 4, 3], -0.1)]) as tf.Tensor4D;
    const mse = msePerImage(a, b).dataSync();
    expect(mse[0]).toBeCloseTo(0.25, 6);
    expect(mse[1]).toBeCloseTo(0.01, 6);
    const psnr = psnrPerImage(a, b).dataSync(); // R = 2: 10·log10(4 / 0.25) = 12.0412, 10·log10(400) = 26.0206
    expect(psnr[0]).toBeCloseTo(12.0412, 3);
    expect(psnr[1]).toBeCloseTo(26.0206, 3);
    expect(psnrPerImage(a, a).dataSync()[0]).toBe(Infinity);
    expect(psnrPerImage(a, b, 255).dataSync()[0]).toBeCloseTo(10 * Math.log10(255 ** 2 / 0.25), 3);
    tf.dispose([a, b]);
  });
});
