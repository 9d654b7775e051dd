import { PNG } from 'pngjs';
import type { RgbPixels } from '@semstyle/core';

/** Encode 8-bit RGB pixels as a PNG (pngjs). */
export function encodePng(pic: RgbPixels): Uint8Array {
  const png = new PNG({ width: pic.width, height: pic.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(pic.data.buffer, pic.data.byteOffset, pic.data.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}
