import { describe, expect, it } from 'vitest';

import { CLASS_NAMES } from './classes.js';
import { encodePng } from './png.js';
import { renderFace } from './render.js';

const SIZE = 64;

describe('renderFace', () => {
  it('is deterministic: same seed → identical pixels and PNG bytes', async () => {
    for (const seed of [0, 12345, 2 ** 40 + 7]) {
      const a = await renderFace(seed, SIZE);
      const b = await renderFace(seed, SIZE);
      expect(Buffer.from(a.image).equals(Buffer.from(b.image))).toBe(true);
      expect(Buffer.from(a.labels).equals(Buffer.from(b.labels))).toBe(true);
      expect((await encodePng(a.image, SIZE, 3)).equals(await encodePng(b.image, SIZE, 3))).toBe(true);
      expect((await encodePng(a.labels, SIZE, 1)).equals(await encodePng(b.labels, SIZE, 1))).toBe(true);
      expect(a.attributes).toEqual(b.attributes);
    }
    const c = await renderFace(1, SIZE);
    const d = await renderFace(2, SIZE);
    expect(Buffer.from(c.image).equals(Buffer.from(d.image))).toBe(false);
  });

  it('returns RGB and label arrays of the right size and leaves Math.random alone', async () => {
    const random = Math.random;
    const f = await renderFace(3, 32);
    expect(Math.random).toBe(random);
    expect(f.image.length).toBe(32 * 32 * 3);
    expect(f.labels.length).toBe(32 * 32);
    expect(Math.max(...f.labels)).toBeLessThan(CLASS_NAMES.length);
  });

  // Tolerance. The label map is rendered without antialiasing (cairo samples each pixel once), the colour
  // image with it (coverage). Rules checked per pixel:
  //   (a) alpha 255 ⇒ labelled — strict;
  //   (b) labelled ⇒ alpha > 0, and (c) alpha > 0 and unlabelled ⇒ one of the 8 neighbours is labelled (the
  //       1-pixel antialiased fringe) — except where geometry is thinner than a pixel (hair-strand tips,
  //       thin lines), which one render may catch and the other miss. Those exceptions must stay below 0.05%
  //       of all pixels and 8 pixels in any one face (measured: 13 of 245,760 pixels over 60 faces at 64²,
  //       max 4 in a face; at 256² none with alpha above 32).
  it('aligns the label map with the alpha of the face on a transparent background', async () => {
    let fringe = 0;
    let exceptions = 0;
    const faces = 20;
    for (let seed = 100; seed < 100 + faces; seed++) {
      const f = await renderFace(seed, SIZE, { alpha: true });
      const alpha = f.alpha!;
      let inFace = 0;
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          const i = y * SIZE + x;
          const label = f.labels[i]!;
          const a = alpha[i]!;
          if (a === 255) expect(label, `seed ${seed} (${x},${y}) opaque but background`).not.toBe(0);
          if (label !== 0 && a === 0) inFace++;
          if (label === 0 && a > 0) {
            let near = false;
            for (let dy = -1; dy <= 1; dy++)
              for (let dx = -1; dx <= 1; dx++) {
                const yy = y + dy;
                const xx = x + dx;
                if (yy >= 0 && yy < SIZE && xx >= 0 && xx < SIZE && f.labels[yy * SIZE + xx] !== 0) near = true;
              }
            if (near) fringe++;
            else inFace++;
          }
        }
      }
      expect(inFace, `seed ${seed}`).toBeLessThanOrEqual(8);
      exceptions += inFace;
    }
    expect(exceptions / (faces * SIZE * SIZE)).toBeLessThan(0.0005);
    expect(fringe).toBeGreaterThan(0); // the colour render is antialiased, the label render is not
  });

  it('covers the face classes over 50 faces; eyeglasses/hat appear exactly when described; no earrings', async () => {
    const seen = new Array<number>(CLASS_NAMES.length).fill(0);
    let glasses = 0;
    let headwear = 0;
    for (let seed = 0; seed < 50; seed++) {
      const f = await renderFace(seed, SIZE);
      const present = new Set(f.labels);
      for (const k of present) seen[k]!++;
      const a = f.attributes;
      expect(present.has(10), `seed ${seed} eyeglasses`).toBe(a.eyeglasses);
      const hatLike = a.hat || a.headband;
      expect(present.has(11), `seed ${seed} hat`).toBe(hatLike);
      if (a.eyeglasses) glasses++;
      if (hatLike) headwear++;
    }
    for (const name of ['skin', 'eyes', 'brows', 'mouth', 'nose', 'ears', 'hair', 'neck', 'cloth'] as const) {
      expect(seen[CLASS_NAMES.indexOf(name)], name).toBeGreaterThan(0);
    }
    expect(seen[12]).toBe(0); // facesjs draws no earrings
    expect(glasses).toBeGreaterThan(0);
    expect(headwear).toBeGreaterThan(0);
  });

  it('rejects bad sizes and seeds with InputError E_INVALID_ARGUMENT', async () => {
    for (const size of [0, -3, 2.5, Number.NaN, '64' as unknown as number]) {
      await expect(renderFace(1, size)).rejects.toMatchObject({ name: 'InputError', code: 'E_INVALID_ARGUMENT' });
    }
    await expect(renderFace(-1, 64)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    await expect(renderFace(1.5, 64)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});
