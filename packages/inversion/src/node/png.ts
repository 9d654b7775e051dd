import { PNG } from 'pngjs';
import * as tf from '@tensorflow/tfjs';
import { InputError, type RgbPixels } from '@semstyle/core';

/**
 * PNG bytes → [H, W, C] float tensor in [−1, 1] keeping the file's channels: C = 1 (grey), 3 (RGB or
 * palette), 4 (any colour type with alpha; grey + alpha is expanded to RGBA). `prepareImages` then
 * converts or refuses 1- and 4-channel images.
 */
export function decodePngImage(bytes: Uint8Array): tf.Tensor3D {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (cause) {
    throw new InputError('E_SHAPE', `Not a readable PNG: ${(cause as Error).message}`, { cause });
  }
  const { width: w, height: h, data } = png;
  const meta = png as unknown as { color: boolean; alpha: boolean };
  const channels = meta.alpha ? 4 : meta.color ? 3 : 1;
  const out = new Float32Array(w * h * channels);
  for (let i = 0; i < w * h; i++) {
    if (channels === 1) out[i] = data[i * 4]! / 127.5 - 1;
    else for (let c = 0; c < channels; c++) out[i * channels + c] = data[i * 4 + c]! / 127.5 - 1;
  }
  return tf.tensor3d(out, [h, w, channels]);
}

/** 8-bit RGB pixels → PNG bytes. */
export function encodeRgbPng(pic: RgbPixels): Uint8Array {
  const png = new PNG({ width: pic.width, height: pic.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(pic.data.buffer, pic.data.byteOffset, pic.data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}

/** 8-bit grey pixels → PNG bytes. */
export function encodeGreyPng(width: number, height: number, data: Uint8Array): Uint8Array {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
}
