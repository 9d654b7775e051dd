/**
 * The demo's state and its one render call, free of DOM code: a generator, the current face (a W+ latent
 * that region swaps edit in place), the composition (regions switched on), and InterFaceGAN strengths.
 * `render()` synthesizes and reads everything back to host arrays; its duration is the frame time.
 */
import * as tf from '@tensorflow/tfjs';
import { swapCodes, type CodeKind, type SemanticStyleGAN, type WPlusLatent } from '@semstyle/core';
import type { LoadedDirection } from './directions.js';

export type SwapKind = CodeKind | 'both';

/** One rendered frame, on the host. */
export interface Frame {
  /** Image size (pixels). */
  readonly size: number;
  /** RGB, 8 bits, row-major (the official tensor2image: clamp to [-1, 1], ×127.5 + 127.5, floor). */
  readonly rgb: Uint8Array;
  /** The raw image values [size, size, 3] (about [-1, 1]). */
  readonly image: Float32Array;
  /** Argmax of the final segmentation logits, [size, size]. */
  readonly labels: Uint8Array;
  /** Size of the local generators' grid (the masks and depths). */
  readonly maskSize: number;
  /** Argmax of the fused region masks m = softmax(depths) after the composition mask, [maskSize, maskSize]. */
  readonly maskLabels: Uint8Array;
  /** Pseudo-depths [maskSize, maskSize, K]. */
  readonly depths: Float32Array;
  /** Synthesis + read-back time of this frame (ms). */
  readonly ms: number;
}

export interface SessionOptions {
  readonly truncation?: number;
}

export class Session {
  readonly generator: SemanticStyleGAN;
  readonly regions: readonly string[];
  readonly directions: readonly LoadedDirection[];
  truncation: number;
  seed = 0;
  /** The swaps applied to the current face, e.g. "hair (shape) from 12". */
  readonly edits: string[] = [];
  private face: WPlusLatent | undefined;
  private readonly enabled: boolean[];
  private readonly strengths = new Map<string, number>();
  private nextRandom = 1_000_000;

  constructor(generator: SemanticStyleGAN, directions: readonly LoadedDirection[] = [], options: SessionOptions = {}) {
    this.generator = generator;
    this.regions = generator.regions;
    this.directions = directions;
    this.truncation = options.truncation ?? 0.7;
    this.enabled = this.regions.map(() => true);
  }

  /** A new face from its seed (region swaps and direction strengths are reset). */
  sample(seed: number): void {
    this.seed = seed;
    this.replaceFace(this.generator.sampleWPlus(1, seed, { truncation: this.truncation }));
    this.strengths.clear();
    this.edits.length = 0;
  }

  /**
   * Take one region's shape and/or texture codes from the face of `fromSeed` (same truncation);
   * every other code stays.
   */
  swap(region: string, kind: SwapKind, fromSeed: number): void {
    const face = this.requireFace();
    const donor = this.generator.sampleWPlus(1, fromSeed, { truncation: this.truncation });
    try {
      this.replaceFace(swapCodes(face, donor, { regions: [region], ...(kind === 'both' ? {} : { kinds: [kind] }) }));
      this.edits.push(`${region} (${kind === 'both' ? 'shape + texture' : kind}) from ${fromSeed}`);
    } finally {
      donor.tensor.dispose();
    }
  }

  /** Resample one region's codes from a fresh random face; returns the donor's seed. */
  resample(region: string, kind: SwapKind): number {
    const seed = this.nextRandom++;
    this.swap(region, kind, seed);
    return seed;
  }

  setEnabled(region: string, on: boolean): void {
    const k = this.regionIndex(region);
    this.enabled[k] = on;
  }

  isEnabled(region: string): boolean {
    return this.enabled[this.regionIndex(region)] ?? false;
  }

  setStrength(direction: string, strength: number): void {
    if (!this.directions.some((d) => d.name === direction)) throw new Error(`No direction "${direction}" (have: ${this.directions.map((d) => d.name).join(', ') || 'none'}).`);
    if (!Number.isFinite(strength)) throw new Error(`Strength must be a finite number, got ${strength}.`);
    this.strengths.set(direction, strength);
  }

  strength(direction: string): number {
    return this.strengths.get(direction) ?? 0;
  }

  /** Synthesize the current face (with the composition and the direction strengths) and read it back. */
  async render(): Promise<Frame> {
    const face = this.requireFace();
    const start = performance.now();
    const latent = this.edited(face);
    const keep = this.regions.filter((_, k) => this.enabled[k]);
    const out = this.generator.synthesize(latent, keep.length === this.regions.length ? {} : { compositionMask: keep });
    if (latent !== face) latent.tensor.dispose();
    const labels = tf.tidy(() => tf.argMax(out.seg, 3));
    const maskLabels = tf.tidy(() => tf.argMax(out.masks, 3));
    try {
      const [image, seg, masks, depths] = await Promise.all([out.image.data(), labels.data(), maskLabels.data(), out.depths.data()]);
      const ms = performance.now() - start;
      const size = out.image.shape[1];
      const rgb = new Uint8Array(image.length);
      for (let i = 0; i < image.length; i++) rgb[i] = Math.floor(Math.min(1, Math.max(-1, image[i]!)) * 127.5 + 127.5);
      return {
        size,
        rgb,
        image: image as Float32Array,
        labels: Uint8Array.from(seg),
        maskSize: out.masks.shape[1],
        maskLabels: Uint8Array.from(masks),
        depths: depths as Float32Array,
        ms,
      };
    } finally {
      tf.dispose([out, labels, maskLabels]);
    }
  }

  dispose(): void {
    this.face?.tensor.dispose();
    this.face = undefined;
    this.generator.dispose();
  }

  private edited(face: WPlusLatent): WPlusLatent {
    let latent = face;
    for (const d of this.directions) {
      const s = this.strengths.get(d.name) ?? 0;
      if (s === 0) continue;
      const next = d.apply(latent, s);
      if (latent !== face) latent.tensor.dispose();
      latent = next;
    }
    return latent;
  }

  private regionIndex(region: string): number {
    const k = this.regions.indexOf(region);
    if (k < 0) throw new Error(`Unknown region "${region}" (regions: ${this.regions.join(', ')}).`);
    return k;
  }

  private requireFace(): WPlusLatent {
    if (this.face === undefined) this.sample(this.seed);
    return this.face!;
  }

  private replaceFace(face: WPlusLatent): void {
    this.face?.tensor.dispose();
    this.face = face;
  }
}
