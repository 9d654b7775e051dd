import { FACE_REGIONS, type ChannelTable, type ModelConfig } from '../contract/config.js';
import { ConfigError } from '../contract/errors.js';
import { officialChannelTable } from './official-channels.js';
import { validateModelConfig } from './validate-config.js';

/**
 * Official train.py `args` (snake_case; also the `model` / `train_args` objects of the fixtures' metadata)
 * ⇄ semstyle's ModelConfig. Missing fields take train.py's parser defaults; latent and n_mlp default to
 * 512 / 8 as train.py sets them after parsing.
 */
export const TRAIN_PY_DEFAULTS = {
  size: 256,
  latent: 512,
  n_mlp: 8,
  channel_multiplier: 2,
  seg_dim: 13,
  local_layers: 10,
  base_layers: 2,
  depth_layers: 6,
  local_channel: 64,
  coarse_channel: 512,
  coarse_size: 64,
  min_feat_size: 16,
  residual_refine: false,
  detach_texture: false,
  transparent_dims: [10, 12],
  lr_mlp: 0.01,
  blur_kernel: [1, 3, 3, 1],
} as const;

type Args = Record<string, unknown>;

function num(args: Args, key: keyof typeof TRAIN_PY_DEFAULTS | 'style_dim', fallback: number): number {
  const value = args[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  throw new ConfigError('E_CONFIG', `Official args: "${key}" should be a number, got ${JSON.stringify(value)}.`, { details: { key } });
}

function bool(args: Args, key: string, fallback: boolean): boolean {
  const value = args[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  throw new ConfigError('E_CONFIG', `Official args: "${key}" should be a boolean, got ${JSON.stringify(value)}.`, { details: { key } });
}

function numberList(args: Args, key: string, fallback: readonly number[]): number[] {
  const value = args[key];
  if (value === undefined || value === null) return [...fallback];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' || typeof v === 'bigint')) return value.map(Number);
  throw new ConfigError('E_CONFIG', `Official args: "${key}" should be a list of numbers, got ${JSON.stringify(value)}.`, { details: { key } });
}

/** A channel table from JSON (string keys) or a pickled dict (number keys / Map). */
export function parseChannelTable(value: unknown): ChannelTable | undefined {
  if (value === undefined || value === null) return undefined;
  const entries: Array<[unknown, unknown]> = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
  const table: Record<number, number> = {};
  for (const [key, width] of entries) {
    const size = Number(key);
    const c = typeof width === 'bigint' ? Number(width) : width;
    if (!Number.isInteger(size) || typeof c !== 'number' || !Number.isInteger(c)) {
      throw new ConfigError('E_CONFIG', `Channel table entry ${String(key)}: ${String(width)} is not an integer pair.`);
    }
    table[size] = c;
  }
  return table;
}

/** Default region names: the 13 faces classes when K = 13, else background, region_1, …, region_{K-1}. */
export function defaultRegionNames(segDim: number): string[] {
  if (segDim === FACE_REGIONS.length) return [...FACE_REGIONS];
  return Array.from({ length: segDim }, (_, k) => (k === 0 ? 'background' : `region_${k}`));
}

export interface FromOfficialOptions {
  /** Region names (default: `defaultRegionNames`). */
  readonly regionNames?: readonly string[];
  /** A channel table to use when `args` has none (e.g. inferred from tensor shapes). */
  readonly channels?: ChannelTable;
}

export function configFromOfficialArgs(args: Args, options: FromOfficialOptions = {}): ModelConfig {
  const d = TRAIN_PY_DEFAULTS;
  const size = num(args, 'size', d.size);
  const segDim = num(args, 'seg_dim', d.seg_dim);
  const channelMultiplier = num(args, 'channel_multiplier', d.channel_multiplier);
  const channels = parseChannelTable(args['channels']) ?? options.channels ?? officialChannelTable(channelMultiplier);
  const blurKernel = numberList(args, 'blur_kernel', d.blur_kernel);
  const styleDim = args['style_dim'] !== undefined ? num(args, 'style_dim', d.latent) : num(args, 'latent', d.latent);
  const config: ModelConfig = {
    generator: {
      size,
      styleDim,
      nMlp: num(args, 'n_mlp', d.n_mlp),
      lrMlp: num(args, 'lr_mlp', d.lr_mlp),
      segDim,
      coarseSize: num(args, 'coarse_size', d.coarse_size),
      minFeatSize: num(args, 'min_feat_size', d.min_feat_size),
      localLayers: num(args, 'local_layers', d.local_layers),
      localChannel: num(args, 'local_channel', d.local_channel),
      coarseChannel: num(args, 'coarse_channel', d.coarse_channel),
      baseLayers: num(args, 'base_layers', d.base_layers),
      depthLayers: num(args, 'depth_layers', d.depth_layers),
      residualRefine: bool(args, 'residual_refine', d.residual_refine),
      detachTexture: bool(args, 'detach_texture', d.detach_texture),
      transparentDims: numberList(args, 'transparent_dims', d.transparent_dims),
      blurKernel,
      channelMultiplier,
      channels,
      regionNames: options.regionNames ?? defaultRegionNames(segDim),
    },
    discriminator: {
      imgSize: size,
      segSize: size,
      imgDim: 3,
      segDim,
      channels,
      blurKernel,
      stddevGroup: 4,
      stddevFeat: 1,
    },
  };
  return validateModelConfig(config);
}

/** ModelConfig → official snake_case args (what the fixtures' metadata `model` object holds). */
export function configToOfficialArgs(config: ModelConfig): Record<string, unknown> {
  const g = config.generator;
  const channels: Record<string, number> = {};
  for (const [k, v] of Object.entries(g.channels)) channels[k] = v;
  return {
    size: g.size,
    latent: g.styleDim,
    style_dim: g.styleDim,
    n_mlp: g.nMlp,
    lr_mlp: g.lrMlp,
    seg_dim: g.segDim,
    coarse_size: g.coarseSize,
    min_feat_size: g.minFeatSize,
    local_layers: g.localLayers,
    local_channel: g.localChannel,
    coarse_channel: g.coarseChannel,
    base_layers: g.baseLayers,
    depth_layers: g.depthLayers,
    residual_refine: g.residualRefine,
    detach_texture: g.detachTexture,
    transparent_dims: [...g.transparentDims],
    blur_kernel: [...g.blurKernel],
    channel_multiplier: g.channelMultiplier,
    channels,
    region_names: [...g.regionNames],
  };
}
