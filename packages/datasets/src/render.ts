import sharp from 'sharp';
import { InputError, SemstyleError } from '@semstyle/core';

import { faceAttributes, type FaceAttributes } from './attributes.js';
import { CLASS_NAMES, resolveClassMap, type ClassMap, type ResolvedClassMap } from './classes.js';
import { describeFace, type FaceDescription } from './face.js';
import { colourSvg, faceGroups, labelColour, labelSvg } from './svg.js';

export interface RenderOptions {
  /** Feature → class overrides (see README); validated, unknown names throw `E_INVALID_ARGUMENT`. */
  classMap?: ClassMap | ResolvedClassMap;
  /** Also return the alpha of the face drawn on a transparent background. */
  alpha?: boolean;
}

export interface RenderedFace {
  /** size×size×3 RGB, row-major, the face over its flat background colour. */
  image: Uint8Array;
  /** size×size class indices (see CLASS_NAMES). */
  labels: Uint8Array;
  /** size×size alpha of the face alone (only with `alpha: true`). */
  alpha?: Uint8Array;
  attributes: FaceAttributes;
  description: FaceDescription;
  size: number;
}

export function assertSize(size: unknown): asserts size is number {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 4096) {
    throw new InputError('E_INVALID_ARGUMENT', `size must be an integer from 1 to 4096, got ${String(size)}.`, { details: { size } });
  }
}

export function assertSeed(seed: unknown, name = 'seed'): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new InputError('E_INVALID_ARGUMENT', `${name} must be a non-negative safe integer, got ${String(seed)}.`, { details: { [name]: seed } });
  }
}

const isResolved = (m: ClassMap | ResolvedClassMap): m is ResolvedClassMap =>
  typeof (m as ResolvedClassMap).byFeature === 'object' && typeof (m as ResolvedClassMap).byFeatureId === 'object';

async function rasterise(svg: string, size: number): Promise<Buffer> {
  const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== size || info.height !== size || info.channels !== 4) {
    throw new SemstyleError('E_DATASET', `SVG rasterised to ${info.width}×${info.height}×${info.channels}, expected ${size}×${size}×4.`);
  }
  return data;
}

const LABEL_LOOKUP = new Map<number, number>(
  CLASS_NAMES.map((_, k) => {
    const [r, g, b] = labelColour(k);
    return [(r << 16) | (g << 8) | b, k] as [number, number];
  }),
);

/** RGBA label render → class indices; any antialiased or unknown pixel means the map is not exact. */
function decodeLabels(rgba: Buffer, size: number): Uint8Array {
  const out = new Uint8Array(size * size);
  let bad = 0;
  for (let i = 0, p = 0; i < out.length; i++, p += 4) {
    const a = rgba[p + 3]!;
    if (a === 0) continue;
    const k = a === 255 ? LABEL_LOOKUP.get((rgba[p]! << 16) | (rgba[p + 1]! << 8) | rgba[p + 2]!) : undefined;
    if (k === undefined) bad++;
    else out[i] = k;
  }
  if (bad > 0) {
    throw new SemstyleError('E_DATASET', `Label render has ${bad} pixels that are not a flat class colour (antialiasing leaked).`, {
      details: { bad, size },
    });
  }
  return out;
}

function hexRgb(hex: string): [number, number, number] {
  const h = hex.replace('#', '');
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

/** Render a face description (see {@link renderFace}). */
export async function renderDescription(desc: FaceDescription, size: number, options: RenderOptions = {}): Promise<RenderedFace> {
  assertSize(size);
  const classMap = options.classMap && isResolved(options.classMap) ? options.classMap : resolveClassMap(options.classMap as ClassMap | undefined);
  const groups = faceGroups(desc.face);
  const [rgba, labelRgba] = await Promise.all([rasterise(colourSvg(groups, size), size), rasterise(labelSvg(groups, size, classMap), size)]);
  const [br, bg, bb] = hexRgb(desc.background);
  const n = size * size;
  const image = new Uint8Array(n * 3);
  const alpha = options.alpha ? new Uint8Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const a = rgba[4 * i + 3]!;
    if (alpha) alpha[i] = a;
    const inv = 255 - a;
    image[3 * i] = Math.round((rgba[4 * i]! * a + br * inv) / 255);
    image[3 * i + 1] = Math.round((rgba[4 * i + 1]! * a + bg * inv) / 255);
    image[3 * i + 2] = Math.round((rgba[4 * i + 2]! * a + bb * inv) / 255);
  }
  const out: RenderedFace = { image, labels: decodeLabels(labelRgba, size), attributes: faceAttributes(desc), description: desc, size };
  if (alpha) out.alpha = alpha;
  return out;
}

/**
 * Render the face for `seed` at `size`×`size`: RGB image, exact label map and attributes. The same seed and
 * size always give the same bytes.
 */
export async function renderFace(seed: number, size: number, options: RenderOptions = {}): Promise<RenderedFace> {
  assertSeed(seed);
  assertSize(size);
  return renderDescription(describeFace(seed), size, options);
}
