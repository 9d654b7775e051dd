import { join } from 'node:path';
import { access } from 'node:fs/promises';
import { InputError } from '@semstyle/core';
import type { FlowConfig } from '../flow/config.js';
import { StyleFlow } from '../flow/styleflow.js';
import { disposeFlowCheckpoint, flowFromCheckpoint, trainerStateFromCheckpoint } from '../train/checkpoint.js';
import type { FlowDataSource } from '../train/data-source.js';
import { FlowTrainer, type FlowStepResult, type FlowTrainingOptions } from '../train/trainer.js';
import { assertPositiveInt } from '../validate.js';
import { metadataPathFor, readFlowCheckpointFile, saveFlowCheckpoint } from './checkpoint-files.js';
import { pairsDataSource, readFlowPairs } from './pairs-file.js';

export interface TrainFlowCommandOptions {
  /** A pairs file (safetensors: `latents` [N, D] or [N, L, D], `attributes` [N, C]) or a data source. */
  readonly data: string | FlowDataSource;
  /** Output folder: `flow.safetensors` + `flow.json`. */
  readonly out: string;
  /** Train until this many steps in total (a resume continues up to it). */
  readonly steps: number;
  /** Flow shape (ignored on resume: the checkpoint's config is used). Default: StyleFlow's 5 × 512. */
  readonly flow?: Partial<Omit<FlowConfig, 'dim' | 'condDim'>>;
  readonly training?: Partial<FlowTrainingOptions>;
  /** Checkpoint every N steps (default 500; 0: only at the end). */
  readonly checkpointEvery?: number;
  /** Resume: true = `<out>/flow.safetensors` (if it exists), or a checkpoint path. */
  readonly resume?: boolean | string;
  readonly onProgress?: (progress: TrainFlowProgress) => void;
  /** Stop early (a checkpoint is written first). */
  readonly signal?: AbortSignal;
}

export interface TrainFlowProgress extends FlowStepResult {
  readonly totalSteps: number;
  /** Set on steps that wrote a checkpoint. */
  readonly checkpoint?: string;
}

export interface TrainFlowCommandResult {
  readonly checkpoint: string;
  readonly metadata: string;
  readonly step: number;
  readonly lastLoss: number | undefined;
  readonly resumedFrom: string | undefined;
  readonly msPerStep: number;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** `semstyle train-flow`: train (or resume) a StyleFlow on (latent, attribute) pairs, with checkpoints. */
export async function trainFlowCommand(options: TrainFlowCommandOptions): Promise<TrainFlowCommandResult> {
  assertPositiveInt('steps', options.steps);
  const every = options.checkpointEvery ?? 500;
  if (!Number.isInteger(every) || every < 0) throw new InputError('E_INVALID_ARGUMENT', `checkpointEvery must be a non-negative integer, got ${every}.`);
  let attributeNames: readonly string[] | undefined;
  let data: FlowDataSource;
  if (typeof options.data === 'string') {
    const pairs = await readFlowPairs(options.data);
    attributeNames = pairs.attributeNames;
    data = pairsDataSource(pairs);
  } else data = options.data;

  const checkpointPath = join(options.out, 'flow.safetensors');
  const resumePath = typeof options.resume === 'string' ? options.resume : options.resume && (await exists(checkpointPath)) ? checkpointPath : undefined;

  let flow: StyleFlow;
  let trainer: FlowTrainer;
  // A resume that has no step left to train keeps (and returns) the checkpoint's last loss.
  let lastLoss: number | undefined;
  if (resumePath) {
    const ckpt = await readFlowCheckpointFile(resumePath);
    try {
      lastLoss = ckpt.metadata.training?.lastLoss;
      flow = flowFromCheckpoint(ckpt);
      const state = trainerStateFromCheckpoint(ckpt);
      trainer = new FlowTrainer(flow, data, { ...(ckpt.metadata.training?.options ?? {}), ...options.training });
      if (state) trainer.restore(state);
    } finally {
      disposeFlowCheckpoint(ckpt);
    }
  } else {
    flow = new StyleFlow({ ...options.flow, dim: data.dim, condDim: data.condDim, ...(attributeNames && !options.flow?.attributeNames ? { attributeNames } : {}) });
    trainer = new FlowTrainer(flow, data, options.training);
  }

  let ms = 0;
  let done = 0;
  try {
    while (trainer.step < options.steps && !options.signal?.aborted) {
      const r = trainer.trainStep();
      lastLoss = r.loss;
      ms += r.ms;
      done++;
      let written: string | undefined;
      if (every > 0 && r.step % every === 0 && r.step < options.steps) {
        await saveFlowCheckpoint(checkpointPath, flow, trainer, { lastLoss });
        written = checkpointPath;
      }
      options.onProgress?.({ ...r, totalSteps: options.steps, ...(written ? { checkpoint: written } : {}) });
    }
    await saveFlowCheckpoint(checkpointPath, flow, trainer, lastLoss !== undefined ? { lastLoss } : {});
    return { checkpoint: checkpointPath, metadata: metadataPathFor(checkpointPath), step: trainer.step, lastLoss, resumedFrom: resumePath, msPerStep: done ? ms / done : 0 };
  } finally {
    trainer.dispose();
    flow.dispose();
  }
}
