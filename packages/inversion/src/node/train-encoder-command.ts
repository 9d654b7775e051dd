import * as tf from '@tensorflow/tfjs';
import { EpochOrder, InputError, type SemanticGeneratorV1 } from '@semstyle/core';
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

export interface EncoderFolderData {
  readonly folder: string;
  readonly resize?: ResizePolicy;
  readonly channels?: ChannelPolicy;
  /** Share of the steps trained on generated images instead (default 0). */
  readonly generatedFraction?: number;
}

/** Whether step s (0-based) of a run with generated fraction f trains on generated images, and the number of real steps before it. */
export function mixedStep(step: number, fraction: number): { generated: boolean; realIndex: number } {
  const before = Math.floor(step * fraction + 1e-9);
  const generated = Math.floor((step + 1) * fraction + 1e-9) > before;
  return { generated, realIndex: step - before };
}

export interface TrainEncoderCommandOptions {
  readonly generator: SemanticGeneratorV1;
  /** Checkpoints go here (`encoder.safetensors` + `encoder.json`). */
  readonly outDir: string;
  /** Train until this many steps in total (a resumed run continues its count). */
  readonly steps: number;
  /**
   * 'generated' (default: sampled latents are ground truth, so the latent loss applies) or a folder of PNGs
   * (no latent loss). With a folder, `generatedFraction` f ∈ [0, 1] (default 0) mixes the two: step s
   * (0-based) is a generated one when ⌊(s+1)·f⌋ > ⌊s·f⌋ (f = 0.5 alternates real, generated, …) — a fixed
   * function of the step, so a resumed run continues the same sequence of batches.
   */
  readonly data?: 'generated' | EncoderFolderData;
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
  /** Wall-clock seconds of this call's training (steps + checkpoints). */
  readonly seconds: number;
  /** Loss history of the whole run (resumed runs included); entries carry `source` and `seconds`. */
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
    const fraction = data === 'generated' ? 1 : (data.generatedFraction ?? 0);
    if (!(fraction >= 0 && fraction <= 1)) throw new InputError('E_INVALID_ARGUMENT', `generatedFraction must be in [0, 1] (got ${fraction}).`);
    const files = data === 'generated' ? [] : await listPngFiles(data.folder);
    const order = new EpochOrder(Math.max(files.length, 1), trainer.options.seed);
    let checkpoint = join(o.outDir, ENCODER_WEIGHTS_FILE);
    const t0 = Date.now();
    while (trainer.step < o.steps) {
      let result: EncoderStepResult;
      const mix = mixedStep(trainer.step, fraction);
      if (data === 'generated' || mix.generated) result = trainer.trainStep();
      else {
        const b = trainer.options.batchSize;
        const paths = Array.from({ length: b }, (_, i) => files[order.at(mix.realIndex * b + i)]!);
        const images = await loadPngBatch(paths, o.generator.resolution, { resize: data.resize ?? 'bilinear', channels: data.channels ?? 'convert' });
        try {
          result = trainer.trainStep({ images });
        } finally {
          images.dispose();
        }
      }
      history.push({
        step: result.step,
        source: result.source,
        seconds: result.seconds,
        loss: result.loss,
        lossPerIteration: result.lossPerIteration,
        msePerIteration: result.msePerIteration,
        ...result.parts,
      });
      o.onProgress?.(result);
      log(`step ${result.step} (${result.source}): loss ${result.loss.toFixed(4)}, MSE per pass ${result.msePerIteration.map((m) => m.toFixed(4)).join(' → ')} (${result.seconds.toFixed(2)} s)`);
      const every = o.checkpointEvery ?? 0;
      if (every > 0 && trainer.step % every === 0) checkpoint = await saveEncoderCheckpoint(o.outDir, trainer, history);
    }
    checkpoint = await saveEncoderCheckpoint(o.outDir, trainer, history);
    log(`Wrote ${checkpoint}`);
    return { checkpoint, startStep, step: trainer.step, resumed: resume, parameters, seconds: (Date.now() - t0) / 1000, history };
  } finally {
    trainer?.dispose();
    encoder.dispose();
    void tf;
  }
}
