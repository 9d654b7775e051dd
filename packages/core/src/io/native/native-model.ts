/**
 * Save and load semstyle's native format (see `format.ts`) through tfjs IO handlers, and export official
 * safetensors. Browser-safe: the Node file-system handler lives in `node/native-fs-handler.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../contract/config.js';
import { CheckpointError, ConfigError, FileError, InputError, SemstyleError, WeightsError } from '../../contract/errors.js';
import { configFromOfficialArgs, configToOfficialArgs } from '../../config/official-config.js';
import { DualBranchDiscriminator } from '../../model/dual-branch-discriminator.js';
import { SemanticStyleGAN } from '../../model/semantic-stylegan.js';
import { discriminatorParamSpecs } from '../../networks/discriminator.js';
import { generatorParamSpecs } from '../../networks/generator.js';
import { tfjsShape, type ParamSpec } from '../../networks/parameters.js';
import type { StateDict } from '../host-tensor.js';
import { tfjsToOfficial } from '../layout.js';
import type { GeneratorWeights, LoadCheckpointOptions, LoadedCheckpoint } from '../load-checkpoint.js';
import { writeSafetensors } from '../safetensors.js';
import {
  NATIVE_FORMAT,
  NATIVE_FORMAT_VERSION,
  NATIVE_LAYOUT,
  NATIVE_MODULES,
  type NativeMetadata,
  type NativeModule,
} from './format.js';

/**
 * The models to save or export. A `LoadedCheckpoint` fits this shape, so `saveModel(dest, loaded)` works.
 */
export interface ModelContents {
  /** Stored under `generatorWeights` ('g_ema' by default). */
  readonly generator: SemanticStyleGAN;
  readonly generatorWeights?: GeneratorWeights;
  /** Optional second generator stored under the other key (e.g. the raw `g` next to `g_ema`). Same config. */
  readonly otherGenerator?: SemanticStyleGAN;
  readonly discriminator?: DualBranchDiscriminator;
}

type Destination = string | tf.io.IOHandler;

function modules(contents: ModelContents): Array<[NativeModule, SemanticStyleGAN | DualBranchDiscriminator]> {
  const key = contents.generatorWeights ?? 'g_ema';
  if (key !== 'g_ema' && key !== 'g') {
    throw new InputError('E_INVALID_ARGUMENT', `generatorWeights must be "g_ema" or "g", got ${JSON.stringify(key)}.`);
  }
  const other: NativeModule = key === 'g_ema' ? 'g' : 'g_ema';
  const byKey = new Map<NativeModule, SemanticStyleGAN | DualBranchDiscriminator>([[key, contents.generator]]);
  if (contents.otherGenerator) byKey.set(other, contents.otherGenerator);
  if (contents.discriminator) byKey.set('d', contents.discriminator);
  return NATIVE_MODULES.filter((m) => byKey.has(m)).map((m) => [m, byKey.get(m)!]);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * The one config the files record (official args), checked against every model: the other generator
 * must have the same config, and the discriminator the one the official args imply.
 */
export function contentsConfig(contents: ModelContents): ModelConfig {
  const g = contents.generator.config;
  // configToOfficialArgs reads only the generator part; the discriminator follows from the args.
  const implied = configFromOfficialArgs(configToOfficialArgs({ generator: g, discriminator: undefined as never }), { regionNames: g.regionNames });
  if (contents.otherGenerator && !deepEqual(contents.otherGenerator.config, g)) {
    throw new ConfigError('E_CONFIG_MISMATCH', 'The two generators to save have different configs; a model file holds one config.');
  }
  if (contents.discriminator && !deepEqual(contents.discriminator.config, implied.discriminator)) {
    throw new ConfigError(
      'E_CONFIG_MISMATCH',
      "The discriminator's config is not the one the generator's official args imply (same size, regions, channels and blur kernel, stddev group 4 / 1 feature); it cannot be saved with it.",
      { details: { discriminator: contents.discriminator.config, implied: implied.discriminator } },
    );
  }
  return implied;
}

/** Model artifacts (topology-free tfjs weights manifest + semstyle metadata) for any tfjs save handler. */
export async function nativeArtifacts(contents: ModelContents): Promise<tf.io.ModelArtifacts> {
  const config = contentsConfig(contents);
  const list = modules(contents);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const weightData: ArrayBuffer[] = [];
  for (const [prefix, model] of list) {
    for (const [name, variable] of model.params.entries()) {
      const values = (await variable.data()) as Float32Array;
      weightSpecs.push({ name: `${prefix}.${name}`, shape: [...variable.shape], dtype: 'float32' });
      weightData.push(new Float32Array(values).buffer); // a copy: never alias backend memory
    }
  }
  const metadata: NativeMetadata = {
    formatVersion: NATIVE_FORMAT_VERSION,
    layout: NATIVE_LAYOUT,
    contents: list.map(([m]) => m),
    model: configToOfficialArgs(config),
  };
  return {
    format: NATIVE_FORMAT,
    generatedBy: 'semstyle',
    convertedBy: null,
    weightSpecs,
    weightData,
    userDefinedMetadata: { semstyle: metadata as unknown as {} },
  };
}

function resolveSaveHandler(dest: Destination): tf.io.IOHandler {
  if (typeof dest !== 'string') return dest;
  const handlers = tf.io.getSaveHandlers(dest);
  if (handlers.length !== 1 || handlers[0] === undefined) {
    throw new InputError(
      'E_INVALID_ARGUMENT',
      handlers.length === 0
        ? `No tfjs save handler for "${dest}" here (browsers: "indexeddb://name", "downloads://name", an http(s) URL; Node: pass nativeFileSystemHandler(dir) from @semstyle/core/node).`
        : `Several tfjs save handlers match "${dest}"; pass a handler instead.`,
      { details: { url: dest } },
    );
  }
  return handlers[0];
}

function resolveLoadHandler(source: Destination): tf.io.IOHandler {
  if (typeof source !== 'string') return source;
  const handlers = tf.io.getLoadHandlers(source);
  if (handlers.length !== 1 || handlers[0] === undefined) {
    throw new InputError(
      'E_INVALID_ARGUMENT',
      handlers.length === 0
        ? `No tfjs load handler for "${source}" here (browsers: "indexeddb://name" or an http(s) URL of model.json; Node: pass nativeFileSystemHandler(dir) from @semstyle/core/node).`
        : `Several tfjs load handlers match "${source}"; pass a handler instead.`,
      { details: { url: source } },
    );
  }
  return handlers[0];
}

function where(dest: Destination): string {
  return typeof dest === 'string' ? dest : 'the given IO handler';
}

/**
 * Save models in the native format through a tfjs IO handler or URL ('indexeddb://…', 'downloads://…',
 * an http(s) URL; in Node `nativeFileSystemHandler(dir)`). Holds G_ema and/or G, and optionally D.
 */
export async function saveModel(dest: Destination, contents: ModelContents): Promise<tf.io.SaveResult> {
  const handler = resolveSaveHandler(dest);
  if (typeof handler.save !== 'function') {
    throw new InputError('E_INVALID_ARGUMENT', `The IO handler for ${where(dest)} cannot save.`);
  }
  const artifacts = await nativeArtifacts(contents);
  let result: tf.io.SaveResult;
  try {
    result = await handler.save(artifacts);
  } catch (cause) {
    if (SemstyleError.isInstance(cause)) throw cause;
    throw new FileError('E_IO', `Saving the model to ${where(dest)} failed: ${(cause as Error).message}`, { cause });
  }
  if (result.errors && result.errors.length > 0) {
    throw new FileError('E_IO', `Saving the model to ${where(dest)} failed: ${result.errors.map(String).join('; ')}`, {
      details: { errors: result.errors },
    });
  }
  return result;
}

/** Load a native model through a tfjs IO handler or URL; the same result shape as `loadCheckpoint`. */
export async function loadModel(source: Destination, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const handler = resolveLoadHandler(source);
  if (typeof handler.load !== 'function') {
    throw new InputError('E_INVALID_ARGUMENT', `The IO handler for ${where(source)} cannot load.`);
  }
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load();
  } catch (cause) {
    if (SemstyleError.isInstance(cause)) throw cause;
    throw new FileError('E_IO', `Loading the model from ${where(source)} failed: ${(cause as Error).message}`, { cause });
  }
  return modelFromArtifacts(artifacts, options);
}

interface ParsedNative {
  readonly config: ModelConfig;
  readonly contents: readonly NativeModule[];
  readonly entries: ReadonlyArray<{ readonly spec: tf.io.WeightsManifestEntry; readonly offset: number; readonly bytes: number }>;
  readonly data: tf.io.CompositeArrayBuffer;
}

function formatError(message: string, details: Record<string, unknown> = {}): CheckpointError {
  return new CheckpointError('E_CHECKPOINT_FORMAT', message, { details });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Metadata, version, manifest and byte counts: everything checkable before any tensor exists. */
export function parseNativeArtifacts(artifacts: tf.io.ModelArtifacts, options: Pick<LoadCheckpointOptions, 'regionNames'> = {}): ParsedNative {
  const meta = artifacts.userDefinedMetadata?.['semstyle'];
  if (!isRecord(meta)) {
    throw formatError(`Not a semstyle native model: model.json has no userDefinedMetadata.semstyle (format: ${JSON.stringify(artifacts.format ?? null)}).`);
  }
  const version = meta['formatVersion'];
  if (version !== NATIVE_FORMAT_VERSION) {
    throw formatError(
      `Unsupported semstyle native format version ${JSON.stringify(version)}; this build reads version ${NATIVE_FORMAT_VERSION}${typeof version === 'number' && version > NATIVE_FORMAT_VERSION ? ' (made by a newer semstyle: upgrade)' : ''}.`,
      { formatVersion: version, supported: [NATIVE_FORMAT_VERSION] },
    );
  }
  if (meta['layout'] !== NATIVE_LAYOUT) {
    throw formatError(`Unsupported semstyle native layout ${JSON.stringify(meta['layout'])}; expected "${NATIVE_LAYOUT}".`);
  }
  const model = meta['model'];
  if (!isRecord(model)) throw new ConfigError('E_CONFIG', 'The native model has no "model" config in its metadata.');
  const names = options.regionNames ?? (Array.isArray(model['region_names']) && model['region_names'].every((n) => typeof n === 'string') ? (model['region_names'] as string[]) : undefined);
  const config = configFromOfficialArgs(model, names ? { regionNames: names } : {});

  const specs = artifacts.weightSpecs;
  if (!Array.isArray(specs) || artifacts.weightData === undefined) {
    throw formatError('The native model has no weights (weightSpecs / weightData missing).');
  }
  const data = new tf.io.CompositeArrayBuffer(artifacts.weightData);
  const entries: Array<{ spec: tf.io.WeightsManifestEntry; offset: number; bytes: number }> = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const spec of specs) {
    if (!isRecord(spec) || typeof spec.name !== 'string' || !Array.isArray(spec.shape)) throw formatError('A weightsManifest entry is malformed.');
    if (spec.dtype !== 'float32' || spec.quantization !== undefined) {
      throw new CheckpointError('E_UNSUPPORTED_DTYPE', `Weight "${spec.name}" is ${spec.quantization ? 'quantized' : spec.dtype}; semstyle native weights are float32.`, {
        details: { name: spec.name, dtype: spec.dtype },
      });
    }
    if (!spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw formatError(`Weight "${spec.name}" has an invalid shape ${JSON.stringify(spec.shape)}.`, { name: spec.name });
    }
    if (seen.has(spec.name)) throw formatError(`Weight "${spec.name}" appears twice in the manifest.`, { name: spec.name });
    seen.add(spec.name);
    const bytes = spec.shape.reduce((a, b) => a * b, 1) * 4;
    entries.push({ spec, offset, bytes });
    offset += bytes;
  }
  if (offset !== data.byteLength) {
    throw new CheckpointError(
      'E_CHECKPOINT_CORRUPT',
      `The weights manifest describes ${offset} bytes but the weight data holds ${data.byteLength} (truncated or mismatched shards, or a wrong shape in model.json).`,
      { details: { manifestBytes: offset, dataBytes: data.byteLength } },
    );
  }
  const contents = Array.isArray(meta['contents']) ? (meta['contents'] as unknown[]) : [];
  const present = NATIVE_MODULES.filter((m) => contents.includes(m) || entries.some((e) => e.spec.name.startsWith(`${m}.`)));
  return { config, contents: present, entries, data };
}

/**
 * Host state dict (official layout) of one module from the manifest. Names must be the model's specs;
 * shapes the tfjs layout of those specs.
 */
async function officialStateDict(parsed: ParsedNative, module: NativeModule, specs: readonly ParamSpec[]): Promise<StateDict> {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const prefix = `${module}.`;
  const out: StateDict = new Map();
  const unexpected: string[] = [];
  for (const { spec: entry, offset, bytes } of parsed.entries) {
    if (!entry.name.startsWith(prefix)) continue;
    const name = entry.name.slice(prefix.length);
    const spec = byName.get(name);
    if (spec === undefined) {
      unexpected.push(entry.name);
      continue;
    }
    const expected = tfjsShape(spec);
    if (!tf.util.arraysEqual(entry.shape, expected)) {
      throw new WeightsError(
        'E_WEIGHTS_SHAPE',
        `Weight "${entry.name}" has shape [${entry.shape.join(', ')}] in model.json, expected [${expected.join(', ')}] (tfjs layout).`,
        { details: { name: entry.name, shape: entry.shape, expected } },
      );
    }
    const values = new Float32Array(parsed.data.slice(offset, offset + bytes));
    const tensor = tf.tensor(values, expected, 'float32');
    try {
      out.set(name, await tfjsToOfficial(spec, tensor));
    } finally {
      tensor.dispose();
    }
  }
  if (unexpected.length > 0) {
    throw new WeightsError(
      'E_WEIGHTS_UNEXPECTED',
      `The native model holds ${unexpected.length} weight(s) its config does not have, e.g. "${unexpected.slice(0, 3).join('", "')}".`,
      { details: { unexpected } },
    );
  }
  return out;
}

/** Build models from native artifacts (e.g. from `tf.io.fromMemory` or any handler's `load()`). All-or-nothing. */
export async function modelFromArtifacts(artifacts: tf.io.ModelArtifacts, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const parsed = parseNativeArtifacts(artifacts, options);
  const stray = parsed.entries.filter((e) => !NATIVE_MODULES.some((m) => e.spec.name.startsWith(`${m}.`))).map((e) => e.spec.name);
  if (stray.length > 0) {
    throw new WeightsError('E_WEIGHTS_UNEXPECTED', `Weights without a g_ema. / g. / d. prefix: "${stray.slice(0, 3).join('", "')}".`, { details: { unexpected: stray } });
  }
  const which = options.generator ?? 'g_ema';
  if (!parsed.contents.includes(which)) {
    throw new CheckpointError('E_CHECKPOINT_FORMAT', `The native model has no "${which}" weights (it holds: ${parsed.contents.join(', ') || 'none'}).`, {
      details: { wanted: which, keys: parsed.contents },
    });
  }
  if (options.discriminator && !parsed.contents.includes('d')) {
    throw new CheckpointError('E_CHECKPOINT_FORMAT', `The native model has no discriminator ("d") weights (it holds: ${parsed.contents.join(', ')}).`);
  }
  const loadOptions = { nonFinite: options.nonFinite ?? 'error', ...(options.onWarning ? { onWarning: options.onWarning } : {}), prefix: '', strict: true } as const;
  const gState = await officialStateDict(parsed, which, generatorParamSpecs(parsed.config.generator));
  const dState = options.discriminator ? await officialStateDict(parsed, 'd', discriminatorParamSpecs(parsed.config.discriminator)) : undefined;
  const generator = SemanticStyleGAN.fromStateDict(parsed.config, gState, loadOptions);
  let discriminator: DualBranchDiscriminator | undefined;
  if (dState) {
    try {
      discriminator = DualBranchDiscriminator.fromStateDict(parsed.config, dState, loadOptions);
    } catch (error) {
      generator.dispose();
      throw error;
    }
  }
  return {
    format: 'native',
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

/** Which modules (g_ema, g, d) a native model holds, from its artifacts' metadata and manifest. */
export function nativeContents(artifacts: tf.io.ModelArtifacts): readonly NativeModule[] {
  return parseNativeArtifacts(artifacts).contents;
}

/**
 * Official safetensors for PyTorch interchange: keys `g_ema.*` / `g.*` / `d.*` (official state-dict names),
 * float32 in the official NCHW / OIHW layout, `__metadata__.config` = `{"model": officialArgs}` (the shape
 * the official-parity fixture uses, so `loadCheckpoint` reads it back) and `format` = "pt".
 * Async because the weights are read back from the tfjs backend.
 */
export async function exportSafetensors(contents: ModelContents): Promise<Uint8Array> {
  const config = contentsConfig(contents);
  const all: StateDict = new Map();
  for (const [prefix, model] of modules(contents)) {
    for (const [name, tensor] of await model.toStateDict(`${prefix}.`)) all.set(name, tensor);
  }
  return writeSafetensors(all, { format: 'pt', config: JSON.stringify({ model: configToOfficialArgs(config) }) });
}
