import { PNG } from 'pngjs';
import { InputError, type RgbPixels } from '@semstyle/core';

/** 8-bit RGB pixels → PNG bytes (pngjs). */
export function encodeRgbPng(pic: RgbPixels): Uint8Array {
  const png = new PNG({ width: pic.width, height: pic.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(pic.data.buffer, pic.data.byteOffset, pic.data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}

/** 8-bit grey pixels (e.g. a label map: pixel = class index) → PNG bytes. */
export function encodeGreyPng(width: number, height: number, data: Uint8Array): Uint8Array {
  if (data.length !== width * height) throw new InputError('E_SHAPE', `Grey picture needs ${width * height} bytes, got ${data.length}.`);
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
}

/** PNG bytes → width, height and RGBA data (pngjs always decodes to RGBA). */
export function decodePng(bytes: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}
