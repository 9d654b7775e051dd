import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { gridPixels, imagesToPixels, InputError, upscalePixels, type RgbPixels, type SemanticGeneratorV1, type WPlusLatent } from '@semstyle/core';
import { writeFileAtomic } from '@semstyle/core/node';
import { editSlots, flowEditSequence, type FlowEditStep } from '../edit/edit.js';
import { StyleFlow } from '../flow/styleflow.js';
import type { SolverOptions } from '../solvers/types.js';
import { loadFlow } from './checkpoint-files.js';
import { encodePng } from './png.js';

export interface FlowEditCommandOptions {
  readonly generator: SemanticGeneratorV1;
  /** A trained flow or the path of its checkpoint. */
  readonly flow: StyleFlow | string;
  /** Samples to edit: seeds (Z → W → W+) or W+ latents (e.g. inversions). */
  readonly seeds?: readonly number[];
  readonly latents?: WPlusLatent;
  readonly truncation?: number;
  /** Source attributes [N, condDim], or a function computing them (e.g. a classifier on the render). */
  readonly attributes: tf.Tensor2D | ((latent: WPlusLatent) => tf.Tensor2D);
  /** Edits applied one after the other (each re-encodes from the previous result). */
  readonly edits: readonly FlowEditStep[];
  /** Output folder: strip-<i>.png per sample (before, then after each edit) and strips.png. */
  readonly out: string;
  readonly solver?: SolverOptions;
  /** Nearest-neighbour upscaling of the pictures (default 1). */
  readonly scale?: number;
}

export interface FlowEditCommandResult {
  readonly files: string[];
  /** Slots edited by each step. */
  readonly slots: readonly (readonly number[])[];
}

/** `semstyle flow-edit`: render before/after strips of sequential StyleFlow edits as PNGs. */
export async function flowEditCommand(options: FlowEditCommandOptions): Promise<FlowEditCommandResult> {
  const g = options.generator;
  if (options.edits.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'flowEditCommand needs at least one edit.');
  if ((options.seeds === undefined) === (options.latents === undefined)) throw new InputError('E_INVALID_ARGUMENT', 'Give exactly one of seeds or latents.');
  const ownFlow = typeof options.flow === 'string';
  const flow = typeof options.flow === 'string' ? await loadFlow(options.flow) : options.flow;
  const toDispose: tf.Tensor[] = [];
  try {
    let latent: WPlusLatent;
    if (options.seeds) {
      if (options.seeds.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'seeds is empty.');
      const ws = options.seeds.map((seed) => {
        const z = g.sampleZ(1, seed);
        const w = g.map(z, options.truncation === undefined ? {} : { truncation: options.truncation });
        z.tensor.dispose();
        return w;
      });
      const w = { space: 'w' as const, tensor: tf.concat(ws.map((x) => x.tensor), 0) as tf.Tensor2D };
      tf.dispose(ws.map((x) => x.tensor));
      latent = g.toWPlus(w);
      w.tensor.dispose();
      toDispose.push(latent.tensor);
    } else latent = options.latents!;
    const source = typeof options.attributes === 'function' ? options.attributes(latent) : options.attributes;
    if (typeof options.attributes === 'function') toDispose.push(source);

    const { latents, attributes } = flowEditSequence(flow, latent, source, options.edits, options.solver ? { solver: options.solver } : {});
    toDispose.push(attributes, ...latents.map((l) => l.tensor));
    const columns: RgbPixels[][] = [];
    for (const l of [latent, ...latents]) {
      const out = g.synthesize(l, { noise: 'const' });
      columns.push(await imagesToPixels(out.image));
      tf.dispose(out);
    }
    const n = latent.tensor.shape[0];
    const scale = options.scale ?? 1;
    const files: string[] = [];
    const strips: RgbPixels[] = [];
    for (let i = 0; i < n; i++) {
      const strip = gridPixels(columns.map((c) => upscalePixels(c[i]!, scale)), columns.length);
      strips.push(strip);
      const file = join(options.out, `strip-${i}.png`);
      await writeFileAtomic(file, encodePng(strip));
      files.push(file);
    }
    const all = join(options.out, 'strips.png');
    await writeFileAtomic(all, encodePng(gridPixels(strips, 1)));
    files.push(all);
    return { files, slots: options.edits.map((e) => editSlots(latent, e)) };
  } finally {
    tf.dispose(toDispose);
    if (ownFlow) flow.dispose();
  }
}
