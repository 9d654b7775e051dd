import type { DiscriminatorConfig, GeneratorConfig, ModelConfig } from '../contract/config.js';
import { ConfigError } from '../contract/errors.js';

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

function fail(message: string, details: Record<string, unknown> = {}): never {
  throw new ConfigError('E_CONFIG', message, { details });
}

function requireChannels(channels: Readonly<Record<number, number>>, sizes: number[], what: string): void {
  for (const s of sizes) {
    const c = channels[s];
    if (c === undefined || !Number.isInteger(c) || c <= 0) fail(`${what}: the channel table needs a positive width for resolution ${s}.`, { size: s });
  }
}

/** The constraints the official constructors assert, plus what semstyle needs to be well defined. */
export function validateGeneratorConfig(c: GeneratorConfig): GeneratorConfig {
  for (const [key, value] of Object.entries({
    size: c.size, styleDim: c.styleDim, nMlp: c.nMlp, segDim: c.segDim, coarseSize: c.coarseSize,
    minFeatSize: c.minFeatSize, localLayers: c.localLayers, localChannel: c.localChannel, coarseChannel: c.coarseChannel,
  })) {
    if (!Number.isInteger(value) || value <= 0) fail(`Generator config: ${key} must be a positive integer, got ${String(value)}.`, { key, value });
  }
  if (!Number.isInteger(c.baseLayers) || c.baseLayers < 0) fail(`Generator config: baseLayers must be ≥ 0, got ${c.baseLayers}.`);
  if (!Number.isInteger(c.depthLayers) || c.depthLayers < 0) fail(`Generator config: depthLayers must be ≥ 0, got ${c.depthLayers}.`);
  if (!(c.lrMlp > 0)) fail(`Generator config: lrMlp must be > 0, got ${c.lrMlp}.`);
  for (const [key, value] of [['size', c.size], ['coarseSize', c.coarseSize], ['minFeatSize', c.minFeatSize]] as const) {
    if (!isPowerOfTwo(value)) fail(`Generator config: ${key} must be a power of two, got ${value}.`);
  }
  if (c.depthLayers > c.localLayers) fail(`Generator config: depthLayers (${c.depthLayers}) must not exceed localLayers (${c.localLayers}).`);
  if (c.baseLayers > c.depthLayers) fail(`Generator config: baseLayers (${c.baseLayers}) must not exceed depthLayers (${c.depthLayers}).`);
  if (!(c.coarseSize < c.size)) fail(`Generator config: coarseSize (${c.coarseSize}) must be smaller than size (${c.size}).`);
  if (!(c.minFeatSize < c.coarseSize)) fail(`Generator config: minFeatSize (${c.minFeatSize}) must be smaller than coarseSize (${c.coarseSize}).`);
  for (const k of c.transparentDims) {
    if (!Number.isInteger(k) || k < 0 || k >= c.segDim) fail(`Generator config: transparent class ${k} is not a region index in [0, ${c.segDim}).`);
  }
  if (c.regionNames.length !== c.segDim) fail(`Generator config: ${c.regionNames.length} region names for ${c.segDim} regions.`);
  if (new Set(c.regionNames).size !== c.regionNames.length) fail(`Generator config: region names must be unique (${c.regionNames.join(', ')}).`);
  if (c.blurKernel.length < 2 || c.blurKernel.some((v) => !Number.isFinite(v))) fail('Generator config: blurKernel must hold at least two finite numbers.');
  const renderSizes: number[] = [];
  for (let s = c.minFeatSize * 2; s <= c.size; s *= 2) renderSizes.push(s);
  requireChannels(c.channels, renderSizes, 'Generator config');
  return c;
}

export function validateDiscriminatorConfig(c: DiscriminatorConfig): DiscriminatorConfig {
  for (const [key, value] of Object.entries({ imgSize: c.imgSize, segSize: c.segSize, imgDim: c.imgDim, segDim: c.segDim, stddevGroup: c.stddevGroup, stddevFeat: c.stddevFeat })) {
    if (!Number.isInteger(value) || value <= 0) fail(`Discriminator config: ${key} must be a positive integer, got ${String(value)}.`);
  }
  if (!isPowerOfTwo(c.imgSize) || c.imgSize < 8) fail(`Discriminator config: imgSize must be a power of two ≥ 8, got ${c.imgSize}.`);
  if (!isPowerOfTwo(c.segSize) || c.segSize < 8) fail(`Discriminator config: segSize must be a power of two ≥ 8, got ${c.segSize}.`);
  const sizes: number[] = [];
  for (let s = Math.max(c.imgSize, c.segSize); s >= 4; s /= 2) sizes.push(s);
  requireChannels(c.channels, sizes, 'Discriminator config');
  return c;
}

export function validateModelConfig(c: ModelConfig): ModelConfig {
  validateGeneratorConfig(c.generator);
  validateDiscriminatorConfig(c.discriminator);
  if (c.discriminator.segDim !== c.generator.segDim) {
    fail(`Discriminator segDim (${c.discriminator.segDim}) differs from the generator's (${c.generator.segDim}).`);
  }
  return c;
}
