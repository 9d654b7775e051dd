import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, readSafetensors, writeSafetensors, type SemanticGeneratorV1, type StateDict } from '@semstyle/core';
import { readFileBytes, writeFileAtomic } from '@semstyle/core/node';
import { validateEncoderConfig, type EncoderConfig, type StoredEncoderConfig } from '../encoder/config.js';
import { ReStyleEncoder } from '../encoder/restyle-encoder.js';
import { assertFingerprint } from '../generator.js';
import type { EncoderTrainer } from '../train/encoder-trainer.js';
import { serializableTraining } from '../train/options.js';

export const ENCODER_CHECKPOINT_FORMAT = 'semstyle.restyle-encoder-checkpoint.v1';
export const ENCODER_WEIGHTS_FILE = 'encoder.safetensors';
export const ENCODER_STATE_FILE = 'encoder.json';

/** The JSON beside the weights: config, step, training options, loss history. */
export interface EncoderCheckpointState {
  readonly format: typeof ENCODER_CHECKPOINT_FORMAT;
  readonly config: EncoderConfig;
  readonly step: number;
  readonly training?: Record<string, unknown>;
  readonly history?: ReadonlyArray<Record<string, unknown>>;
}

const ADAM = 'adam.';

/**
 * Write `encoder.safetensors` (weights + Adam state `adam.<name>.exp_avg|exp_avg_sq`, config and step in the
 * metadata) and `encoder.json`, each atomically (weights first). Returns the weights path.
 */
export async function saveEncoderCheckpoint(dir: string, trainer: EncoderTrainer, history: ReadonlyArray<Record<string, unknown>> = []): Promise<string> {
  const tensors: StateDict = await trainer.encoder.toStateDict();
  const steps: Record<string, number> = {};
  for (const [name, slot] of trainer.optimizer.state) {
    tensors.set(`${ADAM}${name}.exp_avg`, { dtype: 'float32', shape: [...slot.expAvg.shape], data: new Float32Array(await slot.expAvg.data()) });
    tensors.set(`${ADAM}${name}.exp_avg_sq`, { dtype: 'float32', shape: [...slot.expAvgSq.shape], data: new Float32Array(await slot.expAvgSq.data()) });
    steps[name] = slot.step;
  }
  const config = trainer.encoder.config;
  const metadata = { format: ENCODER_CHECKPOINT_FORMAT, config: JSON.stringify(config), step: String(trainer.step), adam_steps: JSON.stringify(steps) };
  const weightsPath = join(dir, ENCODER_WEIGHTS_FILE);
  await writeFileAtomic(weightsPath, writeSafetensors(tensors, metadata));
  const state: EncoderCheckpointState = { format: ENCODER_CHECKPOINT_FORMAT, config, step: trainer.step, training: serializableTraining(trainer.options), history };
  await writeFileAtomic(join(dir, ENCODER_STATE_FILE), JSON.stringify(state, null, 2));
  return weightsPath;
}

/**
 * Write an inference-only encoder file: the weights and BatchNorm running statistics, config and step in
 * the metadata, no optimiser state (a training checkpoint is ≈ 3× larger: it carries Adam's two moments).
 * `loadEncoder` / `semstyle invert --encoder FILE` read it like a checkpoint. Written atomically; returns `path`.
 */
export async function saveEncoderWeights(path: string, encoder: ReStyleEncoder, options: { step?: number; metadata?: Record<string, string> } = {}): Promise<string> {
  const tensors: StateDict = await encoder.toStateDict();
  const metadata = {
    ...(options.metadata ?? {}),
    format: ENCODER_CHECKPOINT_FORMAT,
    config: JSON.stringify(encoder.config),
    step: String(options.step ?? 0),
    contents: 'weights',
  };
  await writeFileAtomic(path, writeSafetensors(tensors, metadata));
  return path;
}

export interface LoadedEncoderCheckpoint {
  readonly config: EncoderConfig;
  readonly step: number;
  readonly weights: StateDict;
  /** Adam's state (empty for an inference-only file from `saveEncoderWeights`). */
  readonly adam: Map<string, { expAvg: Float32Array; expAvgSq: Float32Array; shape: number[]; step: number }>;
  readonly state?: EncoderCheckpointState;
  /** The safetensors metadata (format, config, step, and whatever the writer added). */
  readonly metadata: Record<string, string>;
}

/** Resolve a checkpoint folder or weights file to the weights path. */
export async function encoderWeightsPath(path: string): Promise<string> {
  try {
    if ((await stat(path)).isDirectory()) return join(path, ENCODER_WEIGHTS_FILE);
  } catch {
    // readFileBytes reports the missing file.
  }
  return path;
}

export async function readEncoderCheckpoint(path: string): Promise<LoadedEncoderCheckpoint> {
  const weightsPath = await encoderWeightsPath(path);
  const file = readSafetensors(await readFileBytes(weightsPath));
  if (file.metadata.format !== ENCODER_CHECKPOINT_FORMAT || file.metadata.config === undefined) {
    throw new CheckpointError('E_CHECKPOINT_FORMAT', `${weightsPath} is not a semstyle ReStyle encoder checkpoint (metadata format ${JSON.stringify(file.metadata.format)}).`, {
      details: { path: weightsPath },
    });
  }
  let config: EncoderConfig;
  let adamSteps: Record<string, number>;
  try {
    config = validateEncoderConfig(JSON.parse(file.metadata.config) as StoredEncoderConfig);
    adamSteps = JSON.parse(file.metadata.adam_steps ?? '{}') as Record<string, number>;
  } catch (cause) {
    if (cause instanceof SyntaxError) throw new CheckpointError('E_CHECKPOINT_CORRUPT', `${weightsPath}: unreadable config metadata.`, { cause });
    throw cause;
  }
  const weights: StateDict = new Map();
  const adam: LoadedEncoderCheckpoint['adam'] = new Map();
  for (const [name, t] of file.tensors) {
    if (!name.startsWith(ADAM)) {
      weights.set(name, t);
      continue;
    }
    const rest = name.slice(ADAM.length);
    const isSq = rest.endsWith('.exp_avg_sq');
    const param = rest.slice(0, rest.length - (isSq ? '.exp_avg_sq' : '.exp_avg').length);
    const slot = adam.get(param) ?? { expAvg: new Float32Array(0), expAvgSq: new Float32Array(0), shape: [...t.shape], step: adamSteps[param] ?? 0 };
    if (isSq) slot.expAvgSq = t.data as Float32Array;
    else slot.expAvg = t.data as Float32Array;
    adam.set(param, slot);
  }
  let state: EncoderCheckpointState | undefined;
  try {
    const dir = weightsPath.slice(0, weightsPath.length - ENCODER_WEIGHTS_FILE.length);
    if (weightsPath.endsWith(ENCODER_WEIGHTS_FILE)) state = JSON.parse(new TextDecoder().decode(await readFileBytes(join(dir, ENCODER_STATE_FILE)))) as EncoderCheckpointState;
  } catch {
    state = undefined; // the JSON is informational; the weights file is self-contained
  }
  return { config, step: Number(file.metadata.step ?? 0), weights, adam, metadata: { ...file.metadata }, ...(state ? { state } : {}) };
}

/**
 * Load an encoder for inference. With `generator`, a checkpoint made for another generator config is
 * refused with `ConfigError` `E_CONFIG_MISMATCH`.
 */
export async function loadEncoder(path: string, generator?: SemanticGeneratorV1): Promise<ReStyleEncoder> {
  const ckpt = await readEncoderCheckpoint(path);
  if (generator) assertFingerprint(ckpt.config.generator, generator, `encoder checkpoint ${path}`);
  return ReStyleEncoder.fromStateDict(ckpt.config, ckpt.weights);
}

/** Put a checkpoint's Adam state and step into a trainer built on the checkpoint's encoder. */
export function restoreTrainerState(trainer: EncoderTrainer, ckpt: LoadedEncoderCheckpoint): void {
  const state = new Map<string, { expAvg: tf.Tensor; expAvgSq: tf.Tensor; step: number }>();
  for (const [name, s] of ckpt.adam) state.set(name, { expAvg: tf.tensor(s.expAvg, s.shape), expAvgSq: tf.tensor(s.expAvgSq, s.shape), step: s.step });
  try {
    trainer.optimizer.setState(state);
  } finally {
    for (const s of state.values()) tf.dispose([s.expAvg, s.expAvgSq]);
  }
  trainer.setStep(ckpt.step);
}
