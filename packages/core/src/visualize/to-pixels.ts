import * as tf from '@tensorflow/tfjs';
import { regionColor } from './color-map.js';

/** An 8-bit RGB picture, row-major, 3 bytes per pixel. */
export interface RgbPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Images [N, H, W, 3] in [-1, 1] → 8-bit RGB, as the official tensor2image (clamp, ×127.5+127.5, floor). */
export async function imagesToPixels(images: tf.Tensor4D): Promise<RgbPixels[]> {
  const [n, h, w] = images.shape;
  const bytes = tf.tidy(() => tf.cast(tf.floor(tf.add(tf.mul(tf.clipByValue(images, -1, 1), 127.5), 127.5)), 'int32'));
  const data = (await bytes.data()) as Int32Array;
  bytes.dispose();
  const size = h * w * 3;
  return Array.from({ length: n }, (_, i) => ({ width: w, height: h, data: Uint8Array.from(data.subarray(i * size, (i + 1) * size)) }));
}

/** Segmentation logits or masks [N, H, W, K] → argmax classes coloured with the official palette. */
export async function segmentationToPixels(seg: tf.Tensor4D): Promise<RgbPixels[]> {
  const [n, h, w] = seg.shape;
  const labels = tf.tidy(() => tf.argMax(seg, 3));
  const data = (await labels.data()) as Int32Array;
  labels.dispose();
  return Array.from({ length: n }, (_, i) => {
    const out = new Uint8Array(h * w * 3);
    for (let p = 0; p < h * w; p++) out.set(regionColor(data[i * h * w + p]!), p * 3);
    return { width: w, height: h, data: out };
  });
}

/**
 * Pseudo-depths [N, H, W, K] → one grey picture per sample and region, each min-max normalised over its
 * own values (as torchvision's save_image(normalize=True) in the official training loop).
 * Result: [sample][region].
 */
export async function depthsToPixels(depths: tf.Tensor4D): Promise<RgbPixels[][]> {
  const [n, h, w, k] = depths.shape;
  const data = (await depths.data()) as Float32Array;
  const result: RgbPixels[][] = [];
  for (let i = 0; i < n; i++) {
    const perRegion: RgbPixels[] = [];
    for (let r = 0; r < k; r++) {
      let min = Infinity;
      let max = -Infinity;
      for (let p = 0; p < h * w; p++) {
        const v = data[(i * h * w + p) * k + r]!;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      const range = max - min > 1e-12 ? max - min : 1;
      const out = new Uint8Array(h * w * 3);
      for (let p = 0; p < h * w; p++) {
        const g = Math.round(((data[(i * h * w + p) * k + r]! - min) / range) * 255);
        out[p * 3] = out[p * 3 + 1] = out[p * 3 + 2] = g;
      }
      perRegion.push({ width: w, height: h, data: out });
    }
    result.push(perRegion);
  }
  return result;
}

/** Lay pictures out in a grid (row-major), `columns` wide, with `gap` pixels of `background`. */
export function gridPixels(pictures: readonly RgbPixels[], columns: number, gap = 2, background = 255): RgbPixels {
  if (pictures.length === 0) return { width: 0, height: 0, data: new Uint8Array(0) };
  const cellW = Math.max(...pictures.map((p) => p.width));
  const cellH = Math.max(...pictures.map((p) => p.height));
  const cols = Math.min(columns, pictures.length);
  const rows = Math.ceil(pictures.length / cols);
  const width = cols * cellW + (cols - 1) * gap;
  const height = rows * cellH + (rows - 1) * gap;
  const data = new Uint8Array(width * height * 3).fill(background);
  pictures.forEach((pic, index) => {
    const x0 = (index % cols) * (cellW + gap);
    const y0 = Math.floor(index / cols) * (cellH + gap);
    for (let y = 0; y < pic.height; y++) {
      data.set(pic.data.subarray(y * pic.width * 3, (y + 1) * pic.width * 3), ((y0 + y) * width + x0) * 3);
    }
  });
  return { width, height, data };
}

/** Nearest-neighbour upscaling (coarse masks next to full-size images). */
export function upscalePixels(pic: RgbPixels, factor: number): RgbPixels {
  if (factor === 1) return pic;
  const width = pic.width * factor;
  const height = pic.height * factor;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (Math.floor(y / factor) * pic.width + Math.floor(x / factor)) * 3;
      data.set(pic.data.subarray(src, src + 3), (y * width + x) * 3);
    }
  }
  return { width, height, data };
}
