import { describe, expect, it } from 'vitest';

import { CLASS_NAMES, DEFAULT_CLASS_MAP, classMapToJson, resolveClassMap } from './classes.js';
import { describeFace } from './face.js';
import { renderDescription } from './render.js';

describe('class map', () => {
  it('defaults follow the CelebAMask-HQ 13-class convention', () => {
    expect(CLASS_NAMES).toEqual(['background', 'skin', 'eyes', 'brows', 'mouth', 'nose', 'ears', 'hair', 'neck', 'cloth', 'eyeglasses', 'hat', 'earrings']);
    const json = classMapToJson(resolveClassMap());
    expect(json).toMatchObject({ head: 'skin', jersey: 'cloth', body: 'neck', facialHair: 'hair', glasses: 'eyeglasses', accessories: 'hat', 'accessories:eye-black': 'skin' });
    expect(Object.keys(DEFAULT_CLASS_MAP)).toContain('hairBg');
  });

  it('rejects unknown features, unknown classes and background', () => {
    for (const bad of [{ tail: 'hair' }, { hair: 'fur' }, { hair: 'background' }, { hair: 0 }, { hair: 13 }, { 'hair:a:b': 'hair' }, { 'hair:': 'hair' }]) {
      expect(() => resolveClassMap(bad as never)).toThrow(expect.objectContaining({ name: 'InputError', code: 'E_INVALID_ARGUMENT' }));
    }
    expect(() => resolveClassMap([] as never)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });

  it('overrides change the label map: facial hair as skin', async () => {
    const base = describeFace(7);
    const face = structuredClone(base.face);
    face.facialHair.id = 'beard1';
    face.hair.id = 'bald';
    face.hairBg.id = 'none';
    face.accessories.id = 'none';
    const d = { ...base, face };
    const hair = CLASS_NAMES.indexOf('hair');
    const asHair = await renderDescription(d, 64);
    const asSkin = await renderDescription(d, 64, { classMap: { facialHair: 'skin', eyebrow: 'brows' } });
    expect(asHair.labels.includes(hair)).toBe(true);
    expect(asSkin.labels.includes(hair)).toBe(false);
    expect(Buffer.from(asHair.image).equals(Buffer.from(asSkin.image))).toBe(true);
  });
});
