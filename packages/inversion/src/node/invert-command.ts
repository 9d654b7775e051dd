import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { imagesToPixels, InputError, segmentationToPixels, writeSafetensors, type SemanticGeneratorV1 } from '@semstyle/core';
import { writeFileAtomic } from '@semstyle/core/node';
import type { ReStyleEncoder } from '../encoder/restyle-encoder.js';
import type { ChannelPolicy, ResizePolicy } from '../image.js';
import { invert } from '../invert.js';
import type { RegionMask } from '../masked.js';
import type { OptimizeOptions } from '../optimize/project.js';
import type { PivotalTuningOptions } from '../optimize/pivotal.js';
import type { PerceptualDistance } from '../losses/perceptual.js';
import { loadEncoder } from './checkpoint.js';
import { listPngFiles, loadPngBatch } from './image-folder.js';
import { encodeRgbPng } from './png.js';

export interface InvertCommandOptions {
  readonly generator: SemanticGeneratorV1;
  /** PNG files, or one folder of PNGs. */
  readonly images: readonly string[] | string;
  readonly outDir: string;
  readonly method: 'restyle' | 'optimize';
  /** ReStyle: an encoder or the path of its checkpoint (file or folder). */
  readonly encoder?: ReStyleEncoder | string;
  readonly iterations?: number;
  /** Optimisation: steps, W or W+, pivotal tuning, region mask. */
  readonly steps?: number;
  readonly mode?: 'w' | 'w+';
  readonly pivotal?: boolean | PivotalTuningOptions;
  readonly regions?: readonly string[];
  readonly perceptual?: PerceptualDistance | null;
  readonly optimize?: Omit<OptimizeOptions, 'steps' | 'mode' | 'mask' | 'perceptual'>;
  /** Default 'bilinear' (the CLI resizes); 'refuse' → E_SHAPE. */
  readonly resize?: ResizePolicy;
  readonly channels?: ChannelPolicy;
  readonly log?: (line: string) => void;
}

export interface InvertCommandResult {
  readonly files: string[];
  /** `latents.safetensors` with `w_plus` [N, nLatent, D] — what `semstyle generate --latents` reads. */
  readonly latents: string;
  readonly names: string[];
  readonly mse: number[];
}

/** `semstyle invert`: invert PNGs; write `<name>-reconstruction.png`, `<name>-mask.png`, `latents.safetensors`, `inversion.json`. */
export async function invertCommand(o: InvertCommandOptions): Promise<InvertCommandResult> {
  const log = o.log ?? (() => undefined);
  const paths = typeof o.images === 'string' ? await listPngFiles(o.images) : [...o.images];
  if (paths.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'No images to invert.');
  const names = paths.map((p) => basename(p).replace(/\.png$/i, ''));
  const targets = await loadPngBatch(paths, o.generator.resolution, { resize: o.resize ?? 'bilinear', channels: o.channels ?? 'convert' });
  let encoder: ReStyleEncoder | undefined;
  let ownEncoder = false;
  try {
    if (o.method === 'restyle') {
      if (o.encoder === undefined) throw new InputError('E_INVALID_ARGUMENT', "method 'restyle' needs an encoder (checkpoint path).");
      if (typeof o.encoder === 'string') {
        encoder = await loadEncoder(o.encoder, o.generator);
        ownEncoder = true;
      } else encoder = o.encoder;
    }
    const mask: RegionMask | undefined = o.regions && o.regions.length > 0 ? { regions: o.regions } : undefined;
    const result =
      o.method === 'restyle'
        ? invert(o.generator, targets, { method: 'restyle', encoder: encoder!, ...(o.iterations ? { iterations: o.iterations } : {}) })
        : invert(o.generator, targets, {
            method: 'optimize',
            ...(o.optimize ?? {}),
            ...(o.steps ? { steps: o.steps } : {}),
            ...(o.mode ? { mode: o.mode } : {}),
            ...(mask ? { mask } : {}),
            ...(o.perceptual !== undefined ? { perceptual: o.perceptual } : {}),
            ...(o.pivotal ? { pivotal: o.pivotal } : {}),
          });
    try {
      const files: string[] = [];
      const recon = await imagesToPixels(result.reconstruction);
      const masks = await segmentationToPixels(result.seg);
      const mse = Array.from(await tf.tidy(() => tf.mean(tf.squaredDifference(result.reconstruction, targets), [1, 2, 3])).data());
      for (let i = 0; i < names.length; i++) {
        const r = join(o.outDir, `${names[i]}-reconstruction.png`);
        const m = join(o.outDir, `${names[i]}-mask.png`);
        await writeFileAtomic(r, encodeRgbPng(recon[i]!));
        await writeFileAtomic(m, encodeRgbPng(masks[i]!));
        files.push(r, m);
      }
      const latents = join(o.outDir, 'latents.safetensors');
      const w = result.latent.tensor;
      await writeFileAtomic(
        latents,
        writeSafetensors(new Map([['w_plus', { dtype: 'float32', shape: [...w.shape], data: new Float32Array(await w.data()) }]]), {
          names: JSON.stringify(names),
          method: o.method,
        }),
      );
      files.push(latents);
      const report = join(o.outDir, 'inversion.json');
      await writeFileAtomic(report, JSON.stringify({ method: o.method, names, mse, losses: result.losses, stepMse: result.mse, pivotalLosses: result.pivotalLosses ?? null }, null, 2));
      files.push(report);
      log(`Inverted ${names.length} image(s) with ${o.method}: MSE ${mse.map((m) => m.toFixed(4)).join(', ')}; wrote ${latents}`);
      return { files, latents, names, mse };
    } finally {
      tf.dispose([result.latent.tensor, result.reconstruction, result.seg, ...(result.weight ? [result.weight] : [])]);
    }
  } finally {
    targets.dispose();
    if (ownEncoder) encoder?.dispose();
  }
}
