import * as tf from '@tensorflow/tfjs';
import { CheckpointError, readSafetensors, writeSafetensors, type HostTensor, type StateDict } from '@semstyle/core';
import { validateFlowConfig, type FlowConfig } from '../flow/config.js';
import { StyleFlow } from '../flow/styleflow.js';
import type { FlowTrainer, FlowTrainerState, FlowTrainingOptions } from './trainer.js';

export const FLOW_CHECKPOINT_FORMAT = 'semstyle.styleflow.v1';

/** The JSON metadata of a flow checkpoint (also written next to it as a .json file). */
export interface FlowCheckpointMetadata {
  readonly format: typeof FLOW_CHECKPOINT_FORMAT;
  readonly config: FlowConfig;
  /** Present when the checkpoint was saved by a trainer (resumable). */
  readonly training?: {
    readonly step: number;
    readonly options: FlowTrainingOptions;
    readonly rng: { state: number; spare: number | null };
    readonly adamSteps: Record<string, number>;
    readonly lastLoss?: number;
  };
}

export interface FlowCheckpoint {
  readonly metadata: FlowCheckpointMetadata;
  /** Flow weights and running statistics by name (owned by the caller). */
  readonly state: Map<string, tf.Tensor>;
  /** Adam state by parameter name (owned by the caller); empty for weights-only files. */
  readonly adam: Map<string, { expAvg: tf.Tensor; expAvgSq: tf.Tensor; step: number }>;
}

function host(t: tf.Tensor): HostTensor {
  return { dtype: 'float32', shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) };
}

/** Flow weights (+ the trainer's optimizer state and stream position) as safetensors bytes with JSON metadata. */
export function flowCheckpointBytes(flow: StyleFlow, trainer?: FlowTrainer, extra: { lastLoss?: number } = {}): { bytes: Uint8Array; metadata: FlowCheckpointMetadata } {
  const tensors: StateDict = new Map();
  for (const [name, v] of flow.state()) tensors.set(`flow.${name}`, host(v));
  let metadata: FlowCheckpointMetadata = { format: FLOW_CHECKPOINT_FORMAT, config: flow.config };
  if (trainer) {
    const s = trainer.state();
    const adamSteps: Record<string, number> = {};
    for (const [name, slot] of s.adam) {
      tensors.set(`adam.${name}.exp_avg`, host(slot.expAvg));
      tensors.set(`adam.${name}.exp_avg_sq`, host(slot.expAvgSq));
      adamSteps[name] = slot.step;
    }
    metadata = { ...metadata, training: { step: s.step, options: trainer.options, rng: s.rng, adamSteps, ...(extra.lastLoss !== undefined ? { lastLoss: extra.lastLoss } : {}) } };
  }
  return { bytes: writeSafetensors(tensors, { [FLOW_CHECKPOINT_FORMAT]: JSON.stringify(metadata) }), metadata };
}

/** Parse a flow checkpoint (E_CHECKPOINT_FORMAT when it is not one). */
export function readFlowCheckpoint(bytes: Uint8Array): FlowCheckpoint {
  const file = readSafetensors(bytes, { nonFinite: 'error' });
  const raw = file.metadata[FLOW_CHECKPOINT_FORMAT];
  if (raw === undefined) throw new CheckpointError('E_CHECKPOINT_FORMAT', `Not a StyleFlow checkpoint (no "${FLOW_CHECKPOINT_FORMAT}" metadata).`);
  let metadata: FlowCheckpointMetadata;
  try {
    metadata = JSON.parse(raw) as FlowCheckpointMetadata;
    validateFlowConfig(metadata.config);
  } catch (cause) {
    throw new CheckpointError('E_CHECKPOINT_FORMAT', `StyleFlow checkpoint metadata is invalid: ${(cause as Error).message}`, { cause });
  }
  const state = new Map<string, tf.Tensor>();
  const moments = new Map<string, { m?: tf.Tensor; v?: tf.Tensor }>();
  for (const [name, t] of file.tensors) {
    const tensor = tf.tensor(t.data as Float32Array, [...t.shape], 'float32');
    if (name.startsWith('flow.')) state.set(name.slice(5), tensor);
    else if (name.startsWith('adam.') && name.endsWith('.exp_avg')) moments.set(name.slice(5, -8), { ...moments.get(name.slice(5, -8)), m: tensor });
    else if (name.startsWith('adam.') && name.endsWith('.exp_avg_sq')) moments.set(name.slice(5, -11), { ...moments.get(name.slice(5, -11)), v: tensor });
    else tensor.dispose();
  }
  const adam = new Map<string, { expAvg: tf.Tensor; expAvgSq: tf.Tensor; step: number }>();
  for (const [name, { m, v }] of moments) {
    if (m && v) adam.set(name, { expAvg: m, expAvgSq: v, step: metadata.training?.adamSteps[name] ?? 0 });
    else tf.dispose([m ?? [], v ?? []]);
  }
  return { metadata, state, adam };
}

/** Rebuild a StyleFlow (eval mode) from a checkpoint; the checkpoint's tensors are left to the caller. */
export function flowFromCheckpoint(checkpoint: FlowCheckpoint): StyleFlow {
  const flow = new StyleFlow(checkpoint.metadata.config);
  try {
    flow.loadState(checkpoint.state);
  } catch (e) {
    flow.dispose();
    throw e;
  }
  return flow;
}

/** The trainer state stored in a checkpoint (null for weights-only files). */
export function trainerStateFromCheckpoint(checkpoint: FlowCheckpoint): FlowTrainerState | null {
  const t = checkpoint.metadata.training;
  return t ? { step: t.step, rng: t.rng, adam: checkpoint.adam } : null;
}

export function disposeFlowCheckpoint(checkpoint: FlowCheckpoint): void {
  tf.dispose([...checkpoint.state.values()]);
  for (const slot of checkpoint.adam.values()) tf.dispose([slot.expAvg, slot.expAvgSq]);
}
