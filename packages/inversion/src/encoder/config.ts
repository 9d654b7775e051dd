import { ConfigError, InputError, UnknownNameError, type SemanticGeneratorV1 } from '@semstyle/core';
import { generatorFingerprint, type GeneratorFingerprint } from '../generator.js';

/** Pyramid level of the encoder: coarse = lowest resolution (deepest), fine = highest resolution. */
export type PyramidLevel = 'coarse' | 'medium' | 'fine';

/**
 * The ReStyle encoder's architecture, resolved against one generator (serialisable; travels in checkpoints).
 * Backbone: stem conv3×3 → BN → PReLU, then 4 stages of IR blocks (first block of each stage strided by 2).
 * Pyramid: c1 = end of stage 2 (S/4), c2 = stage 3 (S/8), c3 = stage 4 (S/16); FPN p2 = up(c3) + lat(c2),
 * p1 = up(p2) + lat(c1). Each W+ slot has its own GradualStyleBlock reading c3 (coarse), p2 (medium) or p1 (fine).
 */
export interface EncoderConfig {
  readonly format: 'semstyle.restyle-encoder.v1';
  /** The preset the config came from (informational). */
  readonly preset: string;
  /** Side of the encoder's input (images and reconstructions are resized bilinearly when it differs). */
  readonly inputSize: number;
  readonly stemChannels: number;
  /** IR blocks per stage (4 stages). */
  readonly stageBlocks: readonly number[];
  /** Output channels per stage (4 stages). */
  readonly stageChannels: readonly number[];
  /** Squeeze-excitation in every IR block (IR-SE), and its channel reduction. */
  readonly se: boolean;
  readonly seReduction: number;
  /** Width of the feature pyramid (lateral 1×1 convs map stages 2 and 3 to it; stage 4 must have it). */
  readonly fpnChannels: number;
  /**
   * Width of the GradualStyleBlocks' strided convs (pSp: the style dimension). The heads dominate the
   * parameter count (one per W+ slot), so a narrower head is what makes a CPU-sized / committable encoder;
   * the final equal-lr linear maps headChannels → styleDim. Configs written before this field existed
   * read as headChannels = styleDim.
   */
  readonly headChannels: number;
  /** W+ geometry. */
  readonly styleDim: number;
  readonly nLatent: number;
  /** Pyramid level feeding each W+ slot (length nLatent). */
  readonly slotLevels: readonly PyramidLevel[];
  /** Scale of the initial weights of the heads' final linear layers (small: the first passes stay near the start). */
  readonly headInitScale: number;
  readonly bnMomentum: number;
  readonly bnEps: number;
  /** The generator this encoder is for. */
  readonly generator: GeneratorFingerprint;
}

export interface EncoderPreset {
  readonly stemChannels: number;
  readonly stageBlocks: readonly number[];
  readonly stageChannels: readonly number[];
  readonly se: boolean;
  /** Head width (default: the generator's style dimension, as pSp). */
  readonly headChannels?: number;
}

/**
 * - `tiny`: one IR block per stage, 16–48 channels — tests and the 32² testing generator.
 * - `small`: [2, 2, 2, 2] IR-SE blocks, 32–128 channels — trainable on a CPU at 256² (slowly).
 * - `ir-se50`: the paper's backbone (pSp / ReStyle IR-SE50: [3, 4, 14, 3] blocks, 64–512 channels) — GPU.
 */
export const ENCODER_PRESETS = {
  tiny: { stemChannels: 16, stageBlocks: [1, 1, 1, 1], stageChannels: [16, 24, 32, 48], se: false },
  small: { stemChannels: 32, stageBlocks: [2, 2, 2, 2], stageChannels: [32, 64, 96, 128], se: true },
  'ir-se50': { stemChannels: 64, stageBlocks: [3, 4, 14, 3], stageChannels: [64, 128, 256, 512], se: true },
} as const satisfies Record<string, EncoderPreset>;

export type EncoderPresetName = keyof typeof ENCODER_PRESETS;

export interface EncoderConfigOptions extends Partial<EncoderPreset> {
  readonly preset?: EncoderPresetName;
  readonly inputSize?: number;
  readonly seReduction?: number;
  readonly slotLevels?: readonly PyramidLevel[] | 'semantic' | 'uniform-fine';
  readonly headInitScale?: number;
}

/**
 * semstyle's slot mapping for SemanticStyleGAN's W+ layout [coarse_0…coarse_{B−1}, shape_0, texture_0, …]:
 * coarse codes (shared first layers of every local generator: pose, global layout) ← coarse features (c3);
 * shape codes (the depth layers: where each region is) ← medium features (p2); texture codes
 * (appearance of each region) ← fine features (p1).
 */
export function semanticSlotLevels(baseLayers: number, nLatent: number): PyramidLevel[] {
  return Array.from({ length: nLatent }, (_, i) => (i < baseLayers ? 'coarse' : (i - baseLayers) % 2 === 0 ? 'medium' : 'fine'));
}

export function encoderConfigFor(generator: SemanticGeneratorV1, options: EncoderConfigOptions = {}): EncoderConfig {
  const presetName = options.preset ?? 'small';
  const preset = (ENCODER_PRESETS as Record<string, EncoderPreset>)[presetName];
  if (preset === undefined) throw new UnknownNameError('encoder preset', presetName, Object.keys(ENCODER_PRESETS));
  const fp = generatorFingerprint(generator);
  const stageChannels = options.stageChannels ?? preset.stageChannels;
  const levels =
    options.slotLevels === undefined || options.slotLevels === 'semantic'
      ? semanticSlotLevels(fp.baseLayers, fp.nLatent)
      : options.slotLevels === 'uniform-fine'
        ? Array.from({ length: fp.nLatent }, () => 'fine' as const)
        : [...options.slotLevels];
  const config: EncoderConfig = {
    format: 'semstyle.restyle-encoder.v1',
    preset: presetName,
    inputSize: options.inputSize ?? Math.min(fp.resolution, 256),
    stemChannels: options.stemChannels ?? preset.stemChannels,
    stageBlocks: [...(options.stageBlocks ?? preset.stageBlocks)],
    stageChannels: [...stageChannels],
    se: options.se ?? preset.se,
    seReduction: options.seReduction ?? 16,
    fpnChannels: stageChannels[3] ?? 0,
    headChannels: options.headChannels ?? preset.headChannels ?? fp.styleDim,
    styleDim: fp.styleDim,
    nLatent: fp.nLatent,
    slotLevels: levels,
    headInitScale: options.headInitScale ?? 0.1,
    bnMomentum: 0.1,
    bnEps: 1e-5,
    generator: fp,
  };
  return validateEncoderConfig(config);
}

/** An encoder config as stored by older checkpoints (before `headChannels`). */
export type StoredEncoderConfig = Omit<EncoderConfig, 'headChannels'> & { readonly headChannels?: number };

/** Check a config (E_CONFIG) and fill fields added since it was written (`headChannels` = styleDim). */
export function validateEncoderConfig(stored: StoredEncoderConfig): EncoderConfig {
  const c: EncoderConfig = { ...stored, headChannels: stored.headChannels ?? stored.styleDim };
  const bad = (m: string) => new ConfigError('E_CONFIG', `Encoder config: ${m}`);
  if (c.format !== 'semstyle.restyle-encoder.v1') throw bad(`unknown format ${JSON.stringify(c.format)}.`);
  if (!Number.isInteger(c.inputSize) || c.inputSize < 32 || (c.inputSize & (c.inputSize - 1)) !== 0) {
    throw bad(`inputSize must be a power of two ≥ 32 (got ${c.inputSize}).`);
  }
  if (c.stageBlocks.length !== 4 || c.stageChannels.length !== 4) throw bad('stageBlocks and stageChannels need 4 entries.');
  for (const n of [...c.stageBlocks, ...c.stageChannels, c.stemChannels, c.styleDim, c.nLatent, c.fpnChannels, c.headChannels]) {
    if (!Number.isInteger(n) || n < 1) throw bad(`sizes must be positive integers (got ${n}).`);
  }
  if (c.fpnChannels !== c.stageChannels[3]) throw bad(`fpnChannels (${c.fpnChannels}) must equal the last stage's width (${c.stageChannels[3]}).`);
  if (c.slotLevels.length !== c.nLatent) throw bad(`slotLevels has ${c.slotLevels.length} entries, W+ has ${c.nLatent} slots.`);
  for (const l of c.slotLevels) if (l !== 'coarse' && l !== 'medium' && l !== 'fine') throw bad(`unknown pyramid level ${JSON.stringify(l)}.`);
  if (c.se && (!Number.isInteger(c.seReduction) || c.seReduction < 1)) throw bad(`seReduction must be ≥ 1 (got ${c.seReduction}).`);
  if (!(c.headInitScale > 0)) throw bad(`headInitScale must be positive (got ${c.headInitScale}).`);
  return c;
}

/** Spatial size of a pyramid level for an input side. */
export function levelSize(inputSize: number, level: PyramidLevel): number {
  return inputSize / (level === 'fine' ? 4 : level === 'medium' ? 8 : 16);
}

export function assertEncoderInput(inputSize: number, x: { shape: readonly number[] }): void {
  if (x.shape.length !== 4 || x.shape[3] !== 6) {
    throw new InputError('E_SHAPE', `Encoder input must be [N, H, W, 6] (image ⊕ reconstruction), got [${x.shape.join(', ')}].`);
  }
  void inputSize;
}
