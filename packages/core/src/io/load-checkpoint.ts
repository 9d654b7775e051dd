import type { ModelConfig } from '../contract/config.js';
import { CheckpointError, ConfigError } from '../contract/errors.js';
import { configFromOfficialArgs } from '../config/official-config.js';
import { DualBranchDiscriminator } from '../model/dual-branch-discriminator.js';
import { SemanticStyleGAN } from '../model/semantic-stylegan.js';
import type { StateDict } from './host-tensor.js';
import { openTorchCheckpoint } from './pytorch/index.js';
import { readSafetensors } from './safetensors.js';

/** Checkpoint formats: 'safetensors' and 'pytorch' are read from bytes (`loadCheckpoint`), 'native' through tfjs IO handlers (`loadModel`). */
export type CheckpointFormat = 'safetensors' | 'pytorch' | 'native';

/** Which generator weights to load: the EMA generator (what the official scripts sample from) or the raw one. */
export type GeneratorWeights = 'g_ema' | 'g';

export interface LoadCheckpointOptions {
  /** Default 'g_ema'. */
  readonly generator?: GeneratorWeights;
  /** Also build the discriminator (needs `d` in the file). Default false. */
  readonly discriminator?: boolean;
  /** NaN/Inf weights: refuse (default), warn, or allow. */
  readonly nonFinite?: 'allow' | 'warn' | 'error';
  readonly onWarning?: (message: string) => void;
  /** Region names (default: the faces classes for K = 13, else background, region_1, …). */
  readonly regionNames?: readonly string[];
}

export interface LoadedCheckpoint {
  readonly format: CheckpointFormat;
  readonly config: ModelConfig;
  readonly generator: SemanticStyleGAN;
  readonly discriminator?: DualBranchDiscriminator;
  /** Which generator weights were loaded. */
  readonly generatorWeights: GeneratorWeights;
  dispose(): void;
}

export function detectCheckpointFormat(bytes: Uint8Array): CheckpointFormat {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b) return 'pytorch'; // "PK": zip
  if (bytes.length >= 10 && bytes[8] === 0x7b) return 'safetensors'; // u64 length then "{"
  throw new CheckpointError('E_CHECKPOINT_FORMAT', 'Not a checkpoint semstyle can read: expected a PyTorch .pt (zip) or a safetensors file.');
}

interface Parsed {
  readonly config: ModelConfig;
  /** Returns the state dict for a top-level key ('g_ema', 'g', 'd'), unprefixed; undefined when absent. */
  readonly stateDict: (key: 'g_ema' | 'g' | 'd') => StateDict | undefined;
  readonly keys: readonly string[];
}

function argsFromMetadata(metadata: Record<string, string>): Record<string, unknown> {
  const raw = metadata['config'];
  if (raw === undefined) {
    throw new ConfigError('E_CONFIG', 'This safetensors file has no "config" in its metadata; semstyle needs the model config to build the networks.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new ConfigError('E_CONFIG', 'The "config" metadata of this safetensors file is not valid JSON.', { cause });
  }
  const obj = parsed as Record<string, unknown>;
  return (typeof obj['model'] === 'object' && obj['model'] !== null ? obj['model'] : obj) as Record<string, unknown>;
}

function regionNamesFrom(args: Record<string, unknown>, override?: readonly string[]): readonly string[] | undefined {
  if (override) return override;
  const names = args['region_names'];
  return Array.isArray(names) && names.every((n) => typeof n === 'string') ? (names as string[]) : undefined;
}

function splitByPrefix(tensors: StateDict): Map<string, StateDict> {
  const groups = new Map<string, StateDict>();
  for (const [name, tensor] of tensors) {
    const dot = name.indexOf('.');
    const head = dot > 0 ? name.slice(0, dot) : '';
    const key = head === 'g_ema' || head === 'g' || head === 'd' ? head : '';
    const rest = key === '' ? name : name.slice(dot + 1);
    if (!groups.has(key)) groups.set(key, new Map());
    groups.get(key)!.set(rest, tensor);
  }
  return groups;
}

function parseSafetensors(bytes: Uint8Array, options: LoadCheckpointOptions): Parsed {
  const file = readSafetensors(bytes, { nonFinite: 'allow' });
  const args = argsFromMetadata(file.metadata);
  const names = regionNamesFrom(args, options.regionNames);
  const config = configFromOfficialArgs(args, names ? { regionNames: names } : {});
  const groups = splitByPrefix(file.tensors);
  // A bare generator state dict (no prefixes) counts as g_ema.
  if (groups.has('') && !groups.has('g_ema')) groups.set('g_ema', groups.get('')!);
  return { config, stateDict: (key) => groups.get(key), keys: [...groups.keys()].filter((k) => k !== '') };
}

async function parsePytorch(bytes: Uint8Array, options: LoadCheckpointOptions): Promise<Parsed> {
  const ckpt = await openTorchCheckpoint(bytes, options.onWarning ? { onWarning: options.onWarning } : {});
  const args = ckpt.args();
  if (args === undefined) {
    throw new ConfigError('E_CONFIG', `This checkpoint has no "args" entry (keys: ${ckpt.keys.join(', ')}); semstyle needs it to build the model.`);
  }
  const names = regionNamesFrom(args, options.regionNames);
  const config = configFromOfficialArgs(args, names ? { regionNames: names } : {});
  return {
    config,
    stateDict: (key) => (ckpt.keys.includes(key) ? ckpt.stateDict(key) : undefined),
    keys: ckpt.keys,
  };
}

/**
 * Load a SemanticStyleGAN checkpoint from bytes: an official `.pt` file (torch.save zip, read without
 * executing anything) or safetensors with the config in its metadata. Builds the config from the file's
 * `args`, then the generator (`g_ema` by default) and optionally the discriminator. All-or-nothing.
 */
export async function loadCheckpoint(bytes: Uint8Array, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const format = detectCheckpointFormat(bytes);
  const parsed = format === 'pytorch' ? await parsePytorch(bytes, options) : parseSafetensors(bytes, options);
  const which = options.generator ?? 'g_ema';
  const gState = parsed.stateDict(which);
  if (gState === undefined) {
    throw new CheckpointError('E_CHECKPOINT_FORMAT', `The checkpoint has no "${which}" weights (it holds: ${parsed.keys.join(', ') || 'none'}).`, {
      details: { wanted: which, keys: parsed.keys },
    });
  }
  const loadOptions = { nonFinite: options.nonFinite ?? 'error', ...(options.onWarning ? { onWarning: options.onWarning } : {}) };
  const generator = SemanticStyleGAN.fromStateDict(parsed.config, gState, { ...loadOptions, prefix: '', strict: true });
  let discriminator: DualBranchDiscriminator | undefined;
  if (options.discriminator) {
    try {
      const dState = parsed.stateDict('d');
      if (dState === undefined) {
        throw new CheckpointError('E_CHECKPOINT_FORMAT', `The checkpoint has no discriminator ("d") weights (it holds: ${parsed.keys.join(', ')}).`);
      }
      discriminator = DualBranchDiscriminator.fromStateDict(parsed.config, dState, { ...loadOptions, prefix: '', strict: true });
    } catch (error) {
      generator.dispose();
      throw error;
    }
  }
  return {
    format,
    config: parsed.config,
    generator,
    ...(discriminator ? { discriminator } : {}),
    generatorWeights: which,
    dispose() {
      generator.dispose();
      discriminator?.dispose();
    },
  };
}
