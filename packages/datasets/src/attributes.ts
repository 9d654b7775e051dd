import type { FaceDescription } from './face.js';
import { drawnHairId, hasHat } from './face.js';

/** Mouth ids that count as smiling (judged by eye from a sheet of all 17 facesjs mouths; upturned or teeth showing). */
export const SMILING_MOUTHS = ['mouth3', 'mouth7', 'mouth8', 'smile', 'smile-closed', 'smile2', 'smile3', 'smile4'] as const;
/** Hairstyles that leave the crown bare ("short-bald" keeps hair only on the sides). */
export const BALD_HAIR = ['bald', 'short-bald'] as const;
/** Hairstyles whose fringe or a swept lock covers part of the forehead. */
export const BANGS_HAIR = ['female1', 'female8', 'female9', 'female10', 'shortBangs', 'shaggy1', 'shaggy2', 'emo', 'longHair'] as const;
/** Facial hair that is only a moustache and/or sideburns, so not a beard. */
export const NOT_BEARD = ['none', 'mustache-thin', 'mustache1', 'mustache1SB1', 'mustache1SB2', 'sideburns1', 'sideburns2', 'sideburns3'] as const;
/** Accessories that are hats (headbands are recorded as `headband`, eye black as `eyeBlack`). */
export const HATS = ['hat', 'hat2', 'hat3', 'santa-hat'] as const;

export interface FaceAttributes {
  // binary, CelebA-like
  male: boolean;
  smiling: boolean;
  bald: boolean;
  bangs: boolean;
  beard: boolean;
  mustache: boolean;
  goatee: boolean;
  sideburns: boolean;
  eyeglasses: boolean;
  faceMask: boolean;
  hat: boolean;
  headband: boolean;
  eyeBlack: boolean;
  // categorical
  race: string;
  hairStyle: string;
  hairDrawn: string | null;
  facialHair: string;
  mouth: string;
  glasses: string;
  accessory: string;
  // continuous
  fatness: number;
  skinColor: string;
  skinRgb: [number, number, number];
  skinLuminance: number;
  hairColor: string;
  hairRgb: [number, number, number];
  hairLuminance: number;
  bodySize: number;
  earSize: number;
  noseSize: number;
  eyeAngle: number;
  eyebrowAngle: number;
  headShave: number;
  backgroundColor: string;
}

/** Schema written to dataset.json: type and derivation of every attribute. */
export const ATTRIBUTE_SCHEMA: Record<keyof FaceAttributes, { type: string; description: string }> = {
  male: { type: 'boolean', description: 'gender passed to facesjs generate()' },
  smiling: { type: 'boolean', description: `mouth.id in ${SMILING_MOUTHS.join(', ')}` },
  bald: { type: 'boolean', description: `no hat and hair.id in ${BALD_HAIR.join(', ')}` },
  bangs: { type: 'boolean', description: `drawn hair id in ${BANGS_HAIR.join(', ')}` },
  beard: { type: 'boolean', description: `facialHair.id not in ${NOT_BEARD.join(', ')}` },
  mustache: { type: 'boolean', description: 'facialHair.id contains "stache" (case-insensitive)' },
  goatee: { type: 'boolean', description: 'facialHair.id contains "goatee"' },
  sideburns: { type: 'boolean', description: 'facialHair.id contains "sideburns", "SB" or "-sb-"' },
  eyeglasses: { type: 'boolean', description: 'glasses.id != "none" (includes the clear sports face mask)' },
  faceMask: { type: 'boolean', description: 'glasses.id == "facemask"' },
  hat: { type: 'boolean', description: `accessories.id in ${HATS.join(', ')}` },
  headband: { type: 'boolean', description: 'accessories.id starts with "headband"' },
  eyeBlack: { type: 'boolean', description: 'accessories.id == "eye-black"' },
  race: { type: 'string', description: 'facesjs palette: white, black, brown, asian' },
  hairStyle: { type: 'string', description: 'hair.id in the description' },
  hairDrawn: { type: 'string|null', description: 'hair id facesjs draws (hats swap or hide some hairstyles)' },
  facialHair: { type: 'string', description: 'facialHair.id' },
  mouth: { type: 'string', description: 'mouth.id' },
  glasses: { type: 'string', description: 'glasses.id' },
  accessory: { type: 'string', description: 'accessories.id' },
  fatness: { type: 'number', description: 'facesjs fatness in [0, 1] (female [0, 0.4])' },
  skinColor: { type: 'string', description: 'body.color "#rrggbb"' },
  skinRgb: { type: 'number[3]', description: 'skin colour, RGB in [0, 1]' },
  skinLuminance: { type: 'number', description: 'Rec. 709 relative luminance of the sRGB skin colour, [0, 1]' },
  hairColor: { type: 'string', description: 'hair.color "#rrggbb"' },
  hairRgb: { type: 'number[3]', description: 'hair colour, RGB in [0, 1]' },
  hairLuminance: { type: 'number', description: 'Rec. 709 relative luminance of the sRGB hair colour, [0, 1]' },
  bodySize: { type: 'number', description: 'body.size (shoulder width factor)' },
  earSize: { type: 'number', description: 'ear.size' },
  noseSize: { type: 'number', description: 'nose.size' },
  eyeAngle: { type: 'number', description: 'eye.angle in degrees' },
  eyebrowAngle: { type: 'number', description: 'eyebrow.angle in degrees' },
  headShave: { type: 'number', description: 'alpha of the stubble shadow on the head (0 = none)' },
  backgroundColor: { type: 'string', description: 'flat background colour of the RGB image' },
};

function parseColor(color: string): [number, number, number] {
  const m = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(color.trim());
  if (!m) return [0, 0, 0];
  let h = m[1]!;
  if (h.length === 3) h = h.replace(/./g, (c) => c + c);
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255) as [number, number, number];
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return round4(0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b));
}

/** Attribute labels derived from a face description (see {@link ATTRIBUTE_SCHEMA} and the README). */
export function faceAttributes(desc: FaceDescription): FaceAttributes {
  const f = desc.face;
  const fh = f.facialHair.id;
  const drawn = drawnHairId(f);
  const hat = hasHat(f);
  const skinRgb = parseColor(f.body.color);
  const hairRgb = parseColor(f.hair.color);
  const shave = /rgba\([^)]*,\s*([0-9.]+)\s*\)/.exec(f.head.shave);
  return {
    male: desc.gender === 'male',
    smiling: (SMILING_MOUTHS as readonly string[]).includes(f.mouth.id),
    bald: !hat && (BALD_HAIR as readonly string[]).includes(f.hair.id),
    bangs: drawn !== null && (BANGS_HAIR as readonly string[]).includes(drawn),
    beard: !(NOT_BEARD as readonly string[]).includes(fh),
    mustache: /stache/i.test(fh),
    goatee: /goatee/i.test(fh),
    sideburns: /sideburns|SB\d|-sb-/.test(fh),
    eyeglasses: f.glasses.id !== 'none',
    faceMask: f.glasses.id === 'facemask',
    hat,
    headband: f.accessories.id.startsWith('headband'),
    eyeBlack: f.accessories.id === 'eye-black',
    race: desc.race,
    hairStyle: f.hair.id,
    hairDrawn: drawn,
    facialHair: fh,
    mouth: f.mouth.id,
    glasses: f.glasses.id,
    accessory: f.accessories.id,
    fatness: f.fatness,
    skinColor: f.body.color,
    skinRgb: skinRgb.map(round4) as [number, number, number],
    skinLuminance: luminance(skinRgb),
    hairColor: f.hair.color,
    hairRgb: hairRgb.map(round4) as [number, number, number],
    hairLuminance: luminance(hairRgb),
    bodySize: f.body.size,
    earSize: f.ear.size,
    noseSize: f.nose.size,
    eyeAngle: f.eye.angle,
    eyebrowAngle: f.eyebrow.angle,
    headShave: shave ? Number(shave[1]) : 0,
    backgroundColor: desc.background,
  };
}
