import { generate, svgs, type FaceConfig } from 'facesjs';

import type { FacesFeature } from './classes.js';
import { mulberry32 } from './prng.js';

export type { FaceConfig } from 'facesjs';
export type Gender = 'male' | 'female';
export type Race = 'white' | 'black' | 'brown' | 'asian';
export const RACES: readonly Race[] = ['white', 'black', 'brown', 'asian'];

/** Everything needed to draw one face: facesjs's description plus what facesjs does not record. */
export interface FaceDescription {
  readonly face: FaceConfig;
  readonly gender: Gender;
  readonly race: Race;
  /** Flat background colour of the RGB image, "#rrggbb". */
  readonly background: string;
}

const hex2 = (v: number) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0');

/** HSL (h in [0, 360), s and l in [0, 1]) → "#rrggbb". */
export function hslToHex(h: number, s: number, l: number): string {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return `#${hex2(f(0) * 255)}${hex2(f(8) * 255)}${hex2(f(4) * 255)}`;
}

/**
 * The face for `seed`. facesjs's `generate()` draws every choice from `Math.random`; we swap `Math.random`
 * for a seeded mulberry32 stream for the duration of that one synchronous call (and restore it in
 * `finally`), so the description is facesjs's own distribution and the same seed always gives the same
 * face. Gender and race are drawn first from the same stream and passed to `generate()` (facesjs does not
 * record them); jersey team colours and the background colour are drawn after it.
 */
export function describeFace(seed: number): FaceDescription {
  const rng = mulberry32(seed);
  const gender: Gender = rng() < 0.5 ? 'male' : 'female';
  const race = RACES[Math.floor(rng() * RACES.length)]!;
  const original = Math.random;
  let face: FaceConfig;
  try {
    Math.random = rng;
    face = generate(undefined, { gender, race });
  } finally {
    Math.random = original;
  }
  const hue = rng() * 360;
  face.teamColors = [
    hslToHex(hue, 0.35 + 0.5 * rng(), 0.35 + 0.35 * rng()),
    hslToHex((hue + 90 + rng() * 180) % 360, 0.35 + 0.5 * rng(), 0.2 + 0.4 * rng()),
    hslToHex(rng() * 360, 0.3 + 0.5 * rng(), 0.15 + 0.4 * rng()),
  ];
  const background = hslToHex(rng() * 360, 0.1 + 0.3 * rng(), 0.55 + 0.35 * rng());
  return { face, gender, race, background };
}

const HAT_IDS = ['hat', 'hat2', 'hat3', 'santa-hat'];
// facesjs display.js: with a hat, these hairstyles are swapped for "short" / "short-fade"; any other is not drawn.
const HAT_TO_SHORT = ['afro', 'afro2', 'curly', 'curly2', 'curly3', 'faux-hawk', 'hair', 'high', 'juice', 'messy-short', 'messy', 'middle-part', 'parted', 'shaggy1', 'shaggy2', 'short3', 'spike', 'spike2', 'spike3', 'spike4'];
const HAT_TO_SHORT_FADE = ['blowoutFade', 'curlyFade1', 'curlyFade2', 'dreads', 'fauxhawk-fade', 'tall-fade'];

export function hasHat(face: FaceConfig): boolean {
  return HAT_IDS.includes(face.accessories.id);
}

/** The hairstyle facesjs actually draws (it changes or hides the hair under a hat); null when none. */
export function drawnHairId(face: FaceConfig): string | null {
  const id = face.hair.id;
  if (hasHat(face)) {
    if (HAT_TO_SHORT.includes(id)) return 'short';
    if (HAT_TO_SHORT_FADE.includes(id)) return 'short-fade';
    return null;
  }
  return id;
}

/** Feature positions per facesjs display.js: features drawn twice (mirrored) appear twice. */
const POSITIONS: Record<FacesFeature, number> = {
  hairBg: 1, body: 1, jersey: 1, ear: 2, head: 1, eyeLine: 1, smileLine: 2, miscLine: 1,
  facialHair: 1, eye: 2, eyebrow: 2, mouth: 1, nose: 1, hair: 1, glasses: 1, accessories: 1,
};
const ORDER = Object.keys(POSITIONS) as FacesFeature[];

export interface DrawnGroup {
  readonly feature: FacesFeature;
  readonly id: string;
}

/**
 * The top-level `<g>` groups facesjs emits for `face`, in order: one per drawn feature instance.
 * Mirrors `drawFeature` in facesjs's display.js (features with an empty SVG, e.g. id "none", are skipped).
 */
export function drawnGroups(face: FaceConfig): DrawnGroup[] {
  const out: DrawnGroup[] = [];
  const table = svgs as unknown as Record<string, Record<string, string>>;
  for (const feature of ORDER) {
    const id = feature === 'hair' ? drawnHairId(face) : (face[feature] as { id?: string } | undefined)?.id;
    if (id == null || !table[feature]?.[id]) continue;
    for (let i = 0; i < POSITIONS[feature]; i++) out.push({ feature, id });
  }
  return out;
}
