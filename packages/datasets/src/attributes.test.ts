import { describe, expect, it } from 'vitest';

import { faceAttributes } from './attributes.js';
import { CLASS_NAMES } from './classes.js';
import { describeFace, type FaceDescription } from './face.js';
import { renderDescription } from './render.js';

/** A face description built by hand from a generated one. */
function withFace(edit: (f: FaceDescription['face']) => void, gender: 'male' | 'female' = 'male'): FaceDescription {
  const base = describeFace(42);
  const face = structuredClone(base.face);
  face.glasses.id = 'none';
  face.accessories.id = 'none';
  face.facialHair.id = 'none';
  face.hair.id = 'short';
  face.mouth.id = 'straight';
  edit(face);
  return { ...base, face, gender };
}

const has = (labels: Uint8Array, name: (typeof CLASS_NAMES)[number]) => labels.includes(CLASS_NAMES.indexOf(name));

describe('faceAttributes on hand-built descriptions', () => {
  it('plain face: all flags false', () => {
    const a = faceAttributes(withFace(() => {}));
    expect(a).toMatchObject({ smiling: false, bald: false, bangs: false, beard: false, mustache: false, eyeglasses: false, hat: false, headband: false });
  });

  it('glasses → eyeglasses (and the class is drawn)', async () => {
    const d = withFace((f) => (f.glasses.id = 'glasses2-black'));
    expect(faceAttributes(d).eyeglasses).toBe(true);
    expect(faceAttributes(d).faceMask).toBe(false);
    expect(has((await renderDescription(d, 64)).labels, 'eyeglasses')).toBe(true);
    const m = withFace((f) => (f.glasses.id = 'facemask'));
    expect(faceAttributes(m)).toMatchObject({ eyeglasses: true, faceMask: true });
  });

  it('bald hairstyles → bald, unless a hat hides the head', async () => {
    for (const id of ['bald', 'short-bald']) expect(faceAttributes(withFace((f) => (f.hair.id = id))).bald).toBe(true);
    const d = withFace((f) => (f.hair.id = 'bald'));
    const labels = (await renderDescription({ ...d, face: { ...d.face, hairBg: { id: 'none' } } }, 64)).labels;
    expect(has(labels, 'hair')).toBe(false);
    expect(faceAttributes(withFace((f) => ((f.hair.id = 'bald'), (f.accessories.id = 'hat')))).bald).toBe(false);
    expect(faceAttributes(withFace((f) => (f.hair.id = 'afro'))).bald).toBe(false);
  });

  it('hats: hat flag, class drawn, hair swapped or hidden like facesjs does', async () => {
    const d = withFace((f) => ((f.accessories.id = 'santa-hat'), (f.hair.id = 'afro')));
    const a = faceAttributes(d);
    expect(a).toMatchObject({ hat: true, headband: false, hairStyle: 'afro', hairDrawn: 'short' });
    expect(has((await renderDescription(d, 64)).labels, 'hat')).toBe(true);
    expect(faceAttributes(withFace((f) => ((f.accessories.id = 'hat2'), (f.hair.id = 'longHair')))).hairDrawn).toBeNull();
    expect(faceAttributes(withFace((f) => (f.accessories.id = 'headband')))).toMatchObject({ hat: false, headband: true });
    const eb = withFace((f) => (f.accessories.id = 'eye-black'));
    expect(faceAttributes(eb)).toMatchObject({ hat: false, eyeBlack: true });
    expect(has((await renderDescription(eb, 64)).labels, 'hat')).toBe(false); // eye black is labelled skin
  });

  it('smiling from the mouth id', () => {
    for (const id of ['smile', 'smile2', 'smile3', 'smile4', 'smile-closed', 'mouth3', 'mouth7', 'mouth8']) {
      expect(faceAttributes(withFace((f) => (f.mouth.id = id))).smiling, id).toBe(true);
    }
    for (const id of ['angry', 'closed', 'straight', 'side', 'mouth', 'mouth2', 'mouth4', 'mouth5', 'mouth6']) {
      expect(faceAttributes(withFace((f) => (f.mouth.id = id))).smiling, id).toBe(false);
    }
  });

  it('bangs, beard, mustache, goatee, sideburns from hair and facial-hair ids', () => {
    expect(faceAttributes(withFace((f) => (f.hair.id = 'shortBangs'))).bangs).toBe(true);
    expect(faceAttributes(withFace((f) => (f.hair.id = 'female1'))).bangs).toBe(true);
    expect(faceAttributes(withFace((f) => (f.hair.id = 'spike'))).bangs).toBe(false);
    expect(faceAttributes(withFace((f) => (f.facialHair.id = 'beard1')))).toMatchObject({ beard: true, mustache: false });
    expect(faceAttributes(withFace((f) => (f.facialHair.id = 'mustache1')))).toMatchObject({ beard: false, mustache: true });
    expect(faceAttributes(withFace((f) => (f.facialHair.id = 'goatee1-stache')))).toMatchObject({ beard: true, mustache: true, goatee: true });
    expect(faceAttributes(withFace((f) => (f.facialHair.id = 'sideburns2')))).toMatchObject({ beard: false, sideburns: true });
    expect(faceAttributes(withFace((f) => (f.facialHair.id = 'neckbeard2SB1')))).toMatchObject({ beard: true, sideburns: true });
  });

  it('continuous attributes: fatness and colours as numbers', () => {
    const d = withFace((f) => {
      f.fatness = 0.75;
      f.body.color = '#ffffff';
      f.hair.color = '#000000';
    });
    const a = faceAttributes(d);
    expect(a.fatness).toBe(0.75);
    expect(a.skinRgb).toEqual([1, 1, 1]);
    expect(a.skinLuminance).toBe(1);
    expect(a.hairRgb).toEqual([0, 0, 0]);
    expect(a.hairLuminance).toBe(0);
    expect(typeof a.noseSize).toBe('number');
  });
});
