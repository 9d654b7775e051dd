import * as tf from '@tensorflow/tfjs';
import { InputError, type Latent, type NoiseMode, type SemanticGeneratorV1 } from '@semstyle/core';
import { editLocality, type LocalityResult } from '@semstyle/metrics';
import { assertSameSpace, slotLabels, type Direction } from './direction.js';
import { edit, toWPlusFor, type EditMode } from './edit.js';

export interface SlotEnergy {
  readonly slot: number;
  /** `coarse_i`, `<region>.shape` or `<region>.texture`. */
  readonly label: string;
  /** Share of each direction's squared norm on this slot (sums to 1 over the slots). */
  readonly restricted: number;
  readonly unrestricted: number;
}

export interface DirectionComparison {
  /** Cosine between the two unit normals. */
  readonly cosine: number;
  /** Share of the unrestricted normal's squared norm that lies on the restricted one's slots (1: it was local already). */
  readonly unrestrictedShareOnSlots: number;
  /** Cosine between the restricted normal and the unrestricted one's part on the same slots. */
  readonly cosineOnSlots: number;
  /** Norm of the restricted normal outside its slots (0 by construction). */
  readonly restrictedNormOutside: number;
  /** The slots the restricted direction lives on. */
  readonly slots: readonly number[];
  readonly perSlot: readonly SlotEnergy[];
}

/**
 * Compare a region-restricted W+ direction with an unrestricted one (same attribute, same samples): how
 * aligned they are, and how much of the unrestricted direction's energy falls on the restricted slots,
 * slot by slot. Different spaces → `LatentSpaceError`; different layouts → E_SHAPE.
 */
export function compareDirections(restricted: Direction<'w+'>, unrestricted: Direction<'w+'>): DirectionComparison {
  assertSameSpace(restricted, unrestricted, 'directions to compare');
  const layout = restricted.layout;
  if (restricted.space !== 'w+' || layout === undefined) throw new InputError('E_INVALID_ARGUMENT', 'compareDirections takes W+ directions.');
  const D = layout.styleDim;
  const labels = slotLabels(layout);
  const energy = (v: Float32Array, slot: number) => {
    let s = 0;
    for (let j = 0; j < D; j++) s += v[slot * D + j]! * v[slot * D + j]!;
    return s;
  };
  const rTotal = Array.from({ length: layout.nLatent }, (_, k) => energy(restricted.normal, k)).reduce((a, b) => a + b, 0);
  const uTotal = Array.from({ length: layout.nLatent }, (_, k) => energy(unrestricted.normal, k)).reduce((a, b) => a + b, 0);
  const slots = restricted.info.slots ?? Array.from({ length: layout.nLatent }, (_, k) => k).filter((k) => energy(restricted.normal, k) > 0);
  const onSlots = new Set(slots);
  let cos = 0;
  let cosOn = 0;
  let uOn = 0;
  let rOutside = 0;
  const perSlot: SlotEnergy[] = [];
  for (let k = 0; k < layout.nLatent; k++) {
    let c = 0;
    for (let j = 0; j < D; j++) c += restricted.normal[k * D + j]! * unrestricted.normal[k * D + j]!;
    cos += c;
    const ue = energy(unrestricted.normal, k);
    const re = energy(restricted.normal, k);
    if (onSlots.has(k)) {
      cosOn += c;
      uOn += ue;
    } else rOutside += re;
    perSlot.push({ slot: k, label: labels[k]!, restricted: re / rTotal, unrestricted: ue / uTotal });
  }
  const rNorm = Math.sqrt(rTotal);
  const uNorm = Math.sqrt(uTotal);
  return {
    cosine: cos / (rNorm * uNorm),
    unrestrictedShareOnSlots: uOn / uTotal,
    cosineOnSlots: uOn === 0 ? 0 : cosOn / (Math.sqrt(rTotal - rOutside) * Math.sqrt(uOn)),
    restrictedNormOutside: Math.sqrt(rOutside),
    slots: [...slots],
    perSlot,
  };
}

export interface EditLocalityOptions {
  /** Edit strength (absolute by default). */
  readonly strength: number;
  readonly mode?: EditMode;
  /** Regions the edit is meant to change (R of the locality metric). */
  readonly regions: readonly string[];
  /** Truncation used to map Z latents (default: the direction's, else 1). */
  readonly truncation?: number;
  readonly noise?: NoiseMode;
}

/**
 * How local an edit is: render the latents before and after `edit(latent, direction, strength)` and measure
 * with `@semstyle/metrics`' `editLocality` the share of Σ|Δpixel| outside the union of `regions`' masks
 * (from the generator's own segmentation before and after), and the IoU of the other classes' masks.
 * 0 = perfectly local. Nothing is left allocated.
 */
export function measureEditLocality<L extends Latent>(
  generator: SemanticGeneratorV1,
  latent: L,
  direction: Direction<L['space']>,
  options: EditLocalityOptions,
): LocalityResult {
  const editedClasses = options.regions.map((r) => {
    const i = generator.regions.indexOf(r);
    if (i < 0) throw new InputError('E_UNKNOWN_REGION', `Unknown region "${r}". Regions of this model: ${generator.regions.join(', ')}.`);
    return i;
  });
  const truncation = options.truncation ?? direction.info.truncation ?? 1;
  const synth = options.noise === undefined ? {} : { noise: options.noise };
  const edited = edit(latent, direction, options.strength, options.mode === undefined ? {} : { mode: options.mode });
  const owned: tf.Tensor[] = [edited.tensor];
  try {
    const before = toWPlusFor(generator, latent, truncation);
    owned.push(before.tensor);
    const after = toWPlusFor(generator, edited, truncation);
    owned.push(after.tensor);
    const outBefore = generator.synthesize(before, synth);
    owned.push(...Object.values(outBefore));
    const outAfter = generator.synthesize(after, synth);
    owned.push(...Object.values(outAfter));
    return editLocality({
      before: outBefore.image,
      after: outAfter.image,
      segBefore: outBefore.seg,
      segAfter: outAfter.seg,
      editedClasses,
    });
  } finally {
    tf.dispose(owned);
  }
}
