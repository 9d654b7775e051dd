import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { leakedTensors } from '../testing/leaks.js';
import { regionColor } from './color-map.js';
import { depthsToPixels, gridPixels, imagesToPixels, segmentationToPixels, upscalePixels } from './to-pixels.js';

describe('pictures from tensors', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('images: clamp to [-1, 1], ×127.5 + 127.5, floor (the official tensor2image)', async () => {
    const img = tf.tensor4d([-2, -1, 0, 0.5, 1, 3], [1, 1, 2, 3]);
    const [pic] = await imagesToPixels(img);
    expect([...pic!.data]).toEqual([0, 0, 127, 191, 255, 255]);
    expect(await leakedTensors(() => imagesToPixels(img))).toBe(0);
    img.dispose();
  });

  it('segmentation: argmax classes in the official palette', async () => {
    const seg = tf.tensor4d([0, 5, 1, 9, 0, 0], [1, 1, 2, 3]);
    const [pic] = await segmentationToPixels(seg);
    expect([...pic!.data]).toEqual([...regionColor(1), ...regionColor(0)]);
    expect(regionColor(1)).toEqual([239, 234, 90]);
    expect(await leakedTensors(() => segmentationToPixels(seg))).toBe(0);
    seg.dispose();
  });

  it('depths: per sample and region, min-max normalised', async () => {
    const depths = tf.tensor4d([0, 10, 1, 20], [1, 1, 2, 2]);
    const pictures = await depthsToPixels(depths);
    expect(pictures.map((regions) => regions.map((p) => [...p.data]))).toEqual([[[0, 0, 0, 255, 255, 255], [0, 0, 0, 255, 255, 255]]]);
    expect(await leakedTensors(() => depthsToPixels(depths))).toBe(0);
    depths.dispose();
  });

  it('grid and upscale lay pixels out exactly', () => {
    const a = { width: 1, height: 1, data: Uint8Array.from([1, 2, 3]) };
    const b = { width: 1, height: 1, data: Uint8Array.from([4, 5, 6]) };
    const grid = gridPixels([a, b], 2, 1, 0);
    expect([grid.width, grid.height]).toEqual([3, 1]);
    expect([...grid.data]).toEqual([1, 2, 3, 0, 0, 0, 4, 5, 6]);
    const up = upscalePixels(a, 2);
    expect([...up.data]).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
  });
});
