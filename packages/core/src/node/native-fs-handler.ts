/**
 * A tfjs IO handler over a directory (Node): `model.json` + binary shards, the layout tfjs-node's
 * `file://` handler and the tfjs converter use. semstyle uses it for its native format (`saveModel` /
 * `loadModel`), but it stores any topology-free or JSON-topology model artifacts.
 *
 * Saving is atomic at the directory level: everything is written (and fsynced) into a temporary sibling
 * directory, then renamed into place; an existing model directory is moved aside first and removed only
 * after the new one is in place. A failure leaves the old directory (or nothing) and no temporary files.
 * A non-empty existing directory without a `model.json` is never replaced.
 *
 * Loading checks, before returning anything: model.json is valid JSON with a weightsManifest; shard paths
 * stay inside the directory (E_CHECKPOINT_UNSAFE); every shard exists and each group's shards hold exactly
 * the bytes its weights need (E_CHECKPOINT_CORRUPT).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, FileError, SemstyleError } from '../contract/errors.js';
import { NATIVE_SHARD_BYTES } from '../io/native/format.js';

export interface NativeFileSystemHandlerOptions {
  /** Shard size in bytes (default 4 MiB). */
  readonly shardBytes?: number;
}

const MODEL_JSON = 'model.json';

function errno(cause: unknown): string | undefined {
  return (cause as NodeJS.ErrnoException | undefined)?.code;
}

async function writeSynced(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await stat(path);
  } catch (cause) {
    if (errno(cause) === 'ENOENT') return undefined;
    throw cause;
  }
}

const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Bytes a manifest entry needs, or undefined when it cannot be known (strings). */
function entryBytes(entry: tf.io.WeightsManifestEntry): number | undefined {
  if (!Array.isArray(entry.shape)) return undefined;
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const size = DTYPE_BYTES[dtype];
  return size === undefined || !Number.isSafeInteger(count) ? undefined : count * size;
}

/** Directory handler: `save` writes `model.json` + `group1-shard{i}of{n}.bin`, `load` reads them back. */
export function nativeFileSystemHandler(path: string, options: NativeFileSystemHandlerOptions = {}): tf.io.IOHandler {
  const shardBytes = options.shardBytes ?? NATIVE_SHARD_BYTES;
  if (!Number.isSafeInteger(shardBytes) || shardBytes <= 0) throw new RangeError(`shardBytes must be a positive integer, got ${shardBytes}`);
  return {
    save: (artifacts) => saveToDirectory(resolve(path), artifacts, shardBytes),
    load: () => loadFromDirectory(resolve(path)),
  };
}

async function saveToDirectory(dir: string, artifacts: tf.io.ModelArtifacts, shardBytes: number): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new FileError('E_IO', 'Binary (GraphDef) model topologies are not supported by the directory handler.');
  }
  const parent = dirname(dir);
  const tag = randomBytes(6).toString('hex');
  const temp = join(parent, `.${basename(dir)}.${tag}.tmp`);
  const old = join(parent, `.${basename(dir)}.${tag}.old`);
  let movedAside = false;
  try {
    const existing = await exists(dir);
    if (existing && !existing.isDirectory()) {
      throw new FileError('E_IO', `Cannot save the model to ${dir}: a file with that name exists.`, { details: { path: dir } });
    }
    if (existing) {
      const names = await readdir(dir);
      if (names.length > 0 && !names.includes(MODEL_JSON)) {
        throw new FileError('E_IO', `Refusing to replace ${dir}: it is a non-empty directory without a ${MODEL_JSON} (not a saved model).`, {
          details: { path: dir },
        });
      }
    }
    await mkdir(parent, { recursive: true });
    await mkdir(temp);

    const data = new tf.io.CompositeArrayBuffer(artifacts.weightData ?? []);
    const count = Math.ceil(data.byteLength / shardBytes);
    const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
    for (let i = 0; i < count; i++) {
      const chunk = data.slice(i * shardBytes, Math.min(data.byteLength, (i + 1) * shardBytes));
      await writeSynced(join(temp, paths[i]!), new Uint8Array(chunk));
    }
    const modelJson: Record<string, unknown> = {
      ...(artifacts.modelTopology !== undefined ? { modelTopology: artifacts.modelTopology } : {}),
      ...(artifacts.trainingConfig !== undefined ? { trainingConfig: artifacts.trainingConfig } : {}),
      ...(artifacts.format !== undefined ? { format: artifacts.format } : {}),
      ...(artifacts.generatedBy !== undefined ? { generatedBy: artifacts.generatedBy } : {}),
      ...(artifacts.convertedBy !== undefined ? { convertedBy: artifacts.convertedBy } : {}),
      ...(artifacts.signature !== undefined ? { signature: artifacts.signature } : {}),
      ...(artifacts.userDefinedMetadata !== undefined ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      ...(artifacts.modelInitializer !== undefined ? { modelInitializer: artifacts.modelInitializer } : {}),
      ...(artifacts.initializerSignature !== undefined ? { initializerSignature: artifacts.initializerSignature } : {}),
      weightsManifest: [{ paths, weights: artifacts.weightSpecs ?? [] }],
    };
    const json = JSON.stringify(modelJson, null, 1);
    await writeSynced(join(temp, MODEL_JSON), json);

    if (existing) {
      await rename(dir, old);
      movedAside = true;
    }
    try {
      await rename(temp, dir);
    } catch (cause) {
      if (movedAside) {
        await rename(old, dir);
        movedAside = false;
      }
      throw cause;
    }
    if (movedAside) await rm(old, { recursive: true, force: true }).catch(() => undefined);
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: 'JSON',
        ...(artifacts.modelTopology !== undefined ? { modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length } : {}),
        weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
        weightDataBytes: data.byteLength,
      },
    };
  } catch (cause) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (SemstyleError.isInstance(cause)) throw cause;
    const code = errno(cause);
    throw new FileError('E_IO', `Cannot save the model to ${dir}${code ? ` (${code})` : ''}: ${(cause as Error).message}`, {
      cause,
      details: { path: dir, code },
    });
  }
}

function corrupt(message: string, details: Record<string, unknown>): CheckpointError {
  return new CheckpointError('E_CHECKPOINT_CORRUPT', message, { details });
}

async function loadFromDirectory(path: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = path.endsWith('.json') ? path : join(path, MODEL_JSON);
  const dir = dirname(jsonPath);
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (cause) {
    if (errno(cause) === 'ENOENT') {
      throw new FileError('E_FILE_NOT_FOUND', `No model found at ${path}: ${jsonPath} does not exist.`, { cause, details: { path: jsonPath } });
    }
    throw new FileError('E_IO', `Cannot read ${jsonPath}: ${(cause as Error).message}`, { cause, details: { path: jsonPath } });
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new CheckpointError('E_CHECKPOINT_FORMAT', `${jsonPath} is not valid JSON.`, { cause, details: { path: jsonPath } });
  }
  const manifest = json['weightsManifest'];
  if (typeof json !== 'object' || json === null || !Array.isArray(manifest)) {
    throw new CheckpointError('E_CHECKPOINT_FORMAT', `${jsonPath} has no weightsManifest array.`, { details: { path: jsonPath } });
  }
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const weightData: ArrayBuffer[] = [];
  for (const [g, group] of (manifest as unknown[]).entries()) {
    const { paths, weights } = (group ?? {}) as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || !Array.isArray(weights) || !paths.every((p) => typeof p === 'string')) {
      throw new CheckpointError('E_CHECKPOINT_FORMAT', `${jsonPath}: weightsManifest group ${g} needs "paths" (strings) and "weights" arrays.`, {
        details: { path: jsonPath, group: g },
      });
    }
    let groupBytes = 0;
    for (const shard of paths as string[]) {
      const normal = normalize(shard);
      if (shard === '' || isAbsolute(shard) || normal === '..' || normal.startsWith(`..${sep}`) || normal.startsWith('../')) {
        throw new CheckpointError('E_CHECKPOINT_UNSAFE', `${jsonPath} names the shard "${shard}" outside its directory; refused.`, {
          details: { path: jsonPath, shard },
        });
      }
      const file = join(dir, normal);
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (cause) {
        if (errno(cause) === 'ENOENT') {
          throw corrupt(`Shard ${shard} listed in ${jsonPath} is missing.`, { path: jsonPath, shard });
        }
        throw new FileError('E_IO', `Cannot read shard ${file}: ${(cause as Error).message}`, { cause, details: { path: file } });
      }
      weightData.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      groupBytes += bytes.byteLength;
    }
    let expected: number | undefined = 0;
    for (const entry of weights as tf.io.WeightsManifestEntry[]) {
      const b = typeof entry === 'object' && entry !== null ? entryBytes(entry) : undefined;
      expected = b === undefined || expected === undefined ? undefined : expected + b;
      weightSpecs.push(entry);
    }
    if (expected !== undefined && expected !== groupBytes) {
      throw corrupt(
        `${jsonPath}: weightsManifest group ${g} needs ${expected} bytes for its weights but its shards hold ${groupBytes} (a truncated or missing shard, or a wrong shape in model.json).`,
        { path: jsonPath, group: g, expectedBytes: expected, shardBytes: groupBytes },
      );
    }
  }
  const artifacts: tf.io.ModelArtifacts = { weightSpecs, weightData };
  if (json['modelTopology'] !== undefined && json['modelTopology'] !== null) artifacts.modelTopology = json['modelTopology'] as {};
  if (json['trainingConfig'] !== undefined) artifacts.trainingConfig = json['trainingConfig'] as tf.io.TrainingConfig;
  if (typeof json['format'] === 'string') artifacts.format = json['format'];
  if (typeof json['generatedBy'] === 'string') artifacts.generatedBy = json['generatedBy'];
  if (typeof json['convertedBy'] === 'string' || json['convertedBy'] === null) artifacts.convertedBy = json['convertedBy'] as string | null;
  if (json['signature'] !== undefined) artifacts.signature = json['signature'] as {};
  if (typeof json['userDefinedMetadata'] === 'object' && json['userDefinedMetadata'] !== null) {
    artifacts.userDefinedMetadata = json['userDefinedMetadata'] as Record<string, {}>;
  }
  if (json['modelInitializer'] !== undefined) artifacts.modelInitializer = json['modelInitializer'] as {};
  if (json['initializerSignature'] !== undefined) artifacts.initializerSignature = json['initializerSignature'] as {};
  return artifacts;
}
