import { describe, expectTypeOf, it } from 'vitest';
import type * as tf from '@tensorflow/tfjs';
import type { SemanticGeneratorV1 } from './generator-v1.js';
import type { Latent, WLatent, WPlusLatent, ZLatent } from './latent-types.js';
import { swapCodes, truncate } from '../latent/latents.js';

declare const g: SemanticGeneratorV1;
declare const z: ZLatent;
declare const w: WLatent;
declare const wp: WPlusLatent;

describe('latent spaces are distinct types', () => {
  it('the generator contract takes each space only where it belongs', () => {
    expectTypeOf(g.map).parameter(0).toEqualTypeOf<ZLatent>();
    expectTypeOf(g.synthesize).parameter(0).toEqualTypeOf<WPlusLatent>();
    expectTypeOf(g.toWPlus).parameter(0).toEqualTypeOf<WLatent>();
    expectTypeOf(g.map(z)).toEqualTypeOf<WLatent>();
    expectTypeOf(g.toWPlus(w)).toEqualTypeOf<WPlusLatent>();
    expectTypeOf(g.synthesize(wp).image).toEqualTypeOf<tf.Tensor4D>();
  });

  it('passing a latent from the wrong space does not compile', () => {
    // @ts-expect-error a Z latent is not a W+ latent
    g.synthesize(z);
    // @ts-expect-error a W latent is not a W+ latent
    g.synthesize(w);
    // @ts-expect-error a W+ latent cannot be mapped
    g.map(wp);
    // @ts-expect-error a Z latent cannot be broadcast to W+
    g.toWPlus(z);
    // @ts-expect-error W+ operations take W+ latents
    swapCodes(w, wp, { regions: ['hair'] });
    // @ts-expect-error truncation is defined in W / W+ only
    truncate(z, w, 0.7);
  });

  it('a W+ latent carries its layout, and Latent narrows by space', () => {
    expectTypeOf(wp.layout.nLatent).toEqualTypeOf<number>();
    const narrow = (l: Latent) => (l.space === 'w+' ? l.layout : undefined);
    expectTypeOf(narrow).returns.toEqualTypeOf<WPlusLatent['layout'] | undefined>();
    expectTypeOf(truncate(wp, w, 0.5)).toEqualTypeOf<WPlusLatent>();
  });
});
