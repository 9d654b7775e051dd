import sharp from 'sharp';

/** Encode size×size RGB (3 channels) or grey (1 channel) 8-bit pixels as PNG. Same pixels → same bytes. */
export function encodePng(pixels: Uint8Array, size: number, channels: 1 | 3): Promise<Buffer> {
  let img = sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width: size, height: size, channels } });
  if (channels === 1) img = img.toColourspace('b-w'); // otherwise sharp writes one grey channel as RGB
  return img
    .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false })
    .toBuffer();
}

/** Decode a PNG to raw pixels (for tests and loaders). */
export async function decodePng(png: Buffer | Uint8Array): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  const meta = await sharp(png).metadata();
  let img = sharp(png);
  if (meta.channels === 1) img = img.toColourspace('b-w');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels };
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IEND = [0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

/** True when `bytes` starts with the PNG signature and ends with the IEND chunk (a complete write). */
export function isCompletePng(bytes: Uint8Array): boolean {
  if (bytes.length < SIGNATURE.length + IEND.length) return false;
  for (let i = 0; i < SIGNATURE.length; i++) if (bytes[i] !== SIGNATURE[i]) return false;
  const off = bytes.length - IEND.length;
  for (let i = 0; i < IEND.length; i++) if (bytes[off + i] !== IEND[i]) return false;
  return true;
}
