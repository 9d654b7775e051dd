import * as tf from '@tensorflow/tfjs';
import { EpochOrder, type SemanticGeneratorV1 } from '@semstyle/core';
import { encoderConfigFor, type EncoderConfigOptions } from '../encoder/config.js';
import { countEncoderParameters } from '../encoder/params.js';
import { ReStyleEncoder } from '../encoder/restyle-encoder.js';
import { assertFingerprint } from '../generator.js';
import type { ChannelPolicy, ResizePolicy } from '../image.js';
import { EncoderTrainer, type EncoderStepResult } from '../train/encoder-trainer.js';
import type { EncoderTrainingInput } from '../train/options.js';
import { ENCODER_WEIGHTS_FILE, readEncoderCheckpoint, restoreTrainerState, saveEncoderCheckpoint } from './checkpoint.js';
import { listPngFiles, loadPngBatch } from './image-folder.js';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';

export interface TrainEncoderCommandOptions {
  readonly generator: SemanticGeneratorV1;
  /** Checkpoints go here (`encoder.safetensors` + `encoder.json`). */
  readonly outDir: string;
  /** Train until this many steps in total (a resumed run continues its count). */
  readonly steps: number;
  /** 'generated' (default: sampled latents are ground truth) or a folder of PNGs. */
  readonly data?: 'generated' | { readonly folder: string; readonly resize?: ResizePolicy; readonly channels?: ChannelPolicy };
  /** Architecture of a new encoder (default preset 'small'); ignored when resuming. */
  readonly encoder?: EncoderConfigOptions;
  readonly seed?: number;
  readonly training?: EncoderTrainingInput;
  /** Continue from outDir's checkpoint if there is one (default true). */
  readonly resume?: boolean;
  /** Checkpoint every N steps (0: only at the end; default 0). */
  readonly checkpointEvery?: number;
  readonly log?: (line: string) => void;
  readonly onProgress?: (result: EncoderStepResult) => void;
}

export interface TrainEncoderCommandResult {
  readonly checkpoint: string;
  readonly startStep: number;
  readonly step: number;
  readonly resumed: boolean;
  readonly parameters: number;
  readonly history: Array<Record<string, unknown>>;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** `semstyle train-encoder`: train (or resume) a ReStyle encoder for a generator, with checkpoints. */
export async function trainEncoderCommand(o: TrainEncoderCommandOptions): Promise<TrainEncoderCommandResult> {
  const log = o.log ?? (() => undefined);
  const resume = (o.resume ?? true) && (await exists(join(o.outDir, ENCODER_WEIGHTS_FILE)));
  let encoder: ReStyleEncoder;
  let history: Array<Record<string, unknown>> = [];
  let trainer: EncoderTrainer | undefined;
  let ckpt: Awaited<ReturnType<typeof readEncoderCheckpoint>> | undefined;
  if (resume) {
    ckpt = await readEncoderCheckpoint(o.outDir);
    assertFingerprint(ckpt.config.generator, o.generator, `encoder checkpoint in ${o.outDir}`);
    encoder = ReStyleEncoder.fromStateDict(ckpt.config, ckpt.weights);
    history = [...(ckpt.state?.history ?? [])];
  } else {
    encoder = ReStyleEncoder.create(encoderConfigFor(o.generator, o.encoder), o.seed ?? 0);
  }
  try {
    trainer = new EncoderTrainer(o.generator, encoder, { seed: o.seed ?? 0, ...(o.training ?? {}) });
    if (ckpt) restoreTrainerState(trainer, ckpt);
    const startStep = trainer.step;
    const parameters = countEncoderParameters(encoder.config);
    log(`${resume ? 'Resuming' : 'Training'} ReStyle encoder (${encoder.config.preset}, ${parameters.toLocaleString('en-US')} parameters) at step ${startStep} → ${o.steps}.`);
    const data = o.data ?? 'generated';
    const files = data === 'generated' ? [] : await listPngFiles(data.folder);
    const order = new EpochOrder(Math.max(files.length, 1), trainer.options.seed);
    let checkpoint = join(o.outDir, ENCODER_WEIGHTS_FILE);
    while (trainer.step < o.steps) {
      let result: EncoderStepResult;
      if (data === 'generated') result = trainer.trainStep();
      else {
        const b = trainer.options.batchSize;
        const paths = Array.from({ length: b }, (_, i) => files[order.at(trainer!.step * b + i)]!);
        const images = await loadPngBatch(paths, o.generator.resolution, { resize: data.resize ?? 'bilinear', channels: data.channels ?? 'convert' });
        try {
          result = trainer.trainStep({ images });
        } finally {
          images.dispose();
        }
      }
      history.push({ step: result.step, loss: result.loss, lossPerIteration: result.lossPerIteration, msePerIteration: result.msePerIteration, ...result.parts });
      o.onProgress?.(result);
      log(`step ${result.step}: loss ${result.loss.toFixed(4)}, MSE per pass ${result.msePerIteration.map((m) => m.toFixed(4)).join(' → ')} (${result.seconds.toFixed(2)} s)`);
      const every = o.checkpointEvery ?? 0;
      if (every > 0 && trainer.step % every === 0) checkpoint = await saveEncoderCheckpoint(o.outDir, trainer, history);
    }
    checkpoint = await saveEncoderCheckpoint(o.outDir, trainer, history);
    log(`Wrote ${checkpoint}`);
    return { checkpoint, startStep, step: trainer.step, resumed: resume, parameters, history };
  } finally {
    trainer?.dispose();
    encoder.dispose();
    void tf;
  }
}
