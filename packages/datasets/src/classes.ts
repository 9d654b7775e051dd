import { FACE_REGIONS, InputError } from '@semstyle/core';

/** CelebAMask-HQ-style 13-class convention used by SemanticStyleGAN face models (core's FACE_REGIONS). Index = label value. */
export const CLASS_NAMES = FACE_REGIONS;

export type ClassName = (typeof CLASS_NAMES)[number];

/** The facesjs features, in facesjs's drawing order (see `display.js`). */
export const FACES_FEATURES = [
  'hairBg',
  'body',
  'jersey',
  'ear',
  'head',
  'eyeLine',
  'smileLine',
  'miscLine',
  'facialHair',
  'eye',
  'eyebrow',
  'mouth',
  'nose',
  'hair',
  'glasses',
  'accessories',
] as const;

export type FacesFeature = (typeof FACES_FEATURES)[number];

/** Map keys: a feature name ("hair") or a feature and one of its ids ("accessories:eye-black"); the latter wins. */
export type ClassMap = Record<string, ClassName | number>;

/** Resolved map: feature → class index, plus per-id overrides. */
export interface ResolvedClassMap {
  readonly byFeature: Readonly<Record<FacesFeature, number>>;
  readonly byFeatureId: Readonly<Record<string, number>>;
}

export const DEFAULT_CLASS_MAP: Readonly<Record<string, ClassName>> = {
  hairBg: 'hair',
  body: 'neck',
  jersey: 'cloth',
  ear: 'ears',
  head: 'skin',
  eyeLine: 'skin',
  smileLine: 'skin',
  miscLine: 'skin',
  facialHair: 'hair',
  eye: 'eyes',
  eyebrow: 'brows',
  mouth: 'mouth',
  nose: 'nose',
  hair: 'hair',
  glasses: 'eyeglasses',
  accessories: 'hat',
  'accessories:eye-black': 'skin',
};

function classIndex(key: string, value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1 && value < CLASS_NAMES.length) return value;
  } else if (typeof value === 'string') {
    const i = (CLASS_NAMES as readonly string[]).indexOf(value);
    if (i >= 1) return i;
  }
  throw new InputError(
    'E_INVALID_ARGUMENT',
    `Class map entry "${key}" maps to ${JSON.stringify(value)}, which is not a drawable class. ` +
      `Use one of: ${CLASS_NAMES.slice(1).join(', ')} (or their indices 1–${CLASS_NAMES.length - 1}).`,
    { details: { key, value, classes: CLASS_NAMES } },
  );
}

/**
 * Merge `overrides` onto {@link DEFAULT_CLASS_MAP} and validate every entry: unknown features and classes
 * (and the background class, which is never drawn) throw `InputError` `E_INVALID_ARGUMENT`.
 */
export function resolveClassMap(overrides: ClassMap = {}): ResolvedClassMap {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new InputError('E_INVALID_ARGUMENT', 'classMap must be an object of feature → class name.', {
      details: { classMap: overrides },
    });
  }
  const merged: Record<string, unknown> = { ...DEFAULT_CLASS_MAP, ...overrides };
  const byFeature = {} as Record<FacesFeature, number>;
  const byFeatureId: Record<string, number> = {};
  for (const [key, value] of Object.entries(merged)) {
    const [feature, id, extra] = key.split(':');
    if (!(FACES_FEATURES as readonly string[]).includes(feature ?? '') || extra !== undefined || id === '') {
      throw new InputError(
        'E_INVALID_ARGUMENT',
        `Unknown class map key "${key}". Keys are facesjs features (${FACES_FEATURES.join(', ')}), optionally "feature:id".`,
        { details: { key, features: FACES_FEATURES } },
      );
    }
    const index = classIndex(key, value);
    if (id === undefined) byFeature[feature as FacesFeature] = index;
    else byFeatureId[key] = index;
  }
  return { byFeature, byFeatureId };
}

/** Class index for one drawn feature. */
export function classFor(map: ResolvedClassMap, feature: FacesFeature, id: string): number {
  return map.byFeatureId[`${feature}:${id}`] ?? map.byFeature[feature];
}

/** A plain, JSON-friendly copy of a resolved map (written to dataset.json). */
export function classMapToJson(map: ResolvedClassMap): Record<string, ClassName> {
  const out: Record<string, ClassName> = {};
  for (const f of FACES_FEATURES) out[f] = CLASS_NAMES[map.byFeature[f]]!;
  for (const [k, v] of Object.entries(map.byFeatureId).sort()) out[k] = CLASS_NAMES[v]!;
  return out;
}
