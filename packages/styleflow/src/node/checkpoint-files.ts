import { readFileBytes, writeFileAtomic } from '@semstyle/core/node';
import type { StyleFlow } from '../flow/styleflow.js';
import { flowCheckpointBytes, flowFromCheckpoint, disposeFlowCheckpoint, readFlowCheckpoint, type FlowCheckpoint, type FlowCheckpointMetadata } from '../train/checkpoint.js';
import type { FlowTrainer } from '../train/trainer.js';

/** `x.safetensors` → `x.json` (the human-readable metadata next to a checkpoint). */
export function metadataPathFor(checkpointPath: string): string {
  return checkpointPath.replace(/\.safetensors$/, '') + '.json';
}

/**
 * Write a flow checkpoint: `path` (safetensors: weights, running statistics, optimizer state; the JSON
 * metadata in its header) and `path` with `.json` (the same metadata, readable). Both writes are atomic.
 */
export async function saveFlowCheckpoint(path: string, flow: StyleFlow, trainer?: FlowTrainer, extra: { lastLoss?: number } = {}): Promise<FlowCheckpointMetadata> {
  const { bytes, metadata } = flowCheckpointBytes(flow, trainer, extra);
  await writeFileAtomic(path, bytes);
  await writeFileAtomic(metadataPathFor(path), `${JSON.stringify(metadata, null, 2)}\n`);
  return metadata;
}

export async function readFlowCheckpointFile(path: string): Promise<FlowCheckpoint> {
  return readFlowCheckpoint(await readFileBytes(path));
}

/** Load a trained flow (eval mode) from a checkpoint file. */
export async function loadFlow(path: string): Promise<StyleFlow> {
  const checkpoint = await readFlowCheckpointFile(path);
  try {
    return flowFromCheckpoint(checkpoint);
  } finally {
    disposeFlowCheckpoint(checkpoint);
  }
}
