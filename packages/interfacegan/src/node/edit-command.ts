import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  concatLatents,
  gridPixels,
  imagesToPixels,
  InputError,
  segmentationToPixels,
  upscalePixels,
  type Latent,
  type NoiseMode,
  type RgbPixels,
  type SemanticGeneratorV1,
} from '@semstyle/core';
import { writeFileAtomic } from '@semstyle/core/node';
import type { Direction } from '../direction.js';
import { linspace, signedDistance, sweep, toWPlusFor, type EditMode } from '../edit.js';
import { loadDirection } from './direction-file.js';
import { encodeRgbPng } from './png.js';

export interface EditCommandOptions {
  readonly generator: SemanticGeneratorV1;
  /** A direction, or the path of a direction file. */
  readonly direction: Direction | string;
  /** One strip per seed (the seed's Z taken into the direction's space). Default [0]. */
  readonly seeds?: readonly number[];
  /** Strengths of the strip's columns (default linspace(−3, 3, 7)). */
  readonly strengths?: readonly number[];
  /** 'absolute' (default) or 'relative' — see `EditMode`. */
  readonly mode?: EditMode;
  /** Truncation ψ for Z → W (default: the direction's, else 1). */
  readonly truncation?: number;
  readonly noise?: NoiseMode;
  readonly outDir: string;
  /** Also write the colourised segmentation strips (default true). */
  readonly masks?: boolean;
  /** Integer upscaling of the strips (nearest; default 1). */
  readonly scale?: number;
  readonly batchSize?: number;
  readonly log?: (line: string) => void;
}

export interface EditCommandResult {
  readonly files: string[];
  readonly strengths: number[];
  /** Signed distance to the boundary of each seed's latent before editing. */
  readonly distances: number[];
}

/** Parse "from:to:steps" (e.g. "-3:3:7") or a comma list ("-2,0,2") into strengths — for CLI flags. */
export function parseStrengths(text: string): number[] {
  const t = text.trim();
  const range = t.split(':');
  if (range.length === 3) {
    const [from, to, steps] = range.map(Number) as [number, number, number];
    if (![from, to, steps].every(Number.isFinite)) throw new InputError('E_INVALID_ARGUMENT', `Cannot parse strengths "${text}" (from:to:steps).`);
    return linspace(from, to, steps);
  }
  const list = t.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || t === '' || !list.every(Number.isFinite)) throw new InputError('E_INVALID_ARGUMENT', `Cannot parse strengths "${text}" (from:to:steps or a comma list).`);
  return list;
}

function seedLatent(generator: SemanticGeneratorV1, space: Direction['space'], seed: number, truncation: number): Latent {
  const z = generator.sampleZ(1, seed);
  if (space === 'z') return z;
  try {
    const w = generator.map(z, { truncation });
    if (space === 'w') return w;
    try {
      return generator.toWPlus(w);
    } finally {
      w.tensor.dispose();
    }
  } finally {
    z.tensor.dispose();
  }
}

/**
 * CLI-facing (`semstyle edit`): for each seed, edit its latent along the direction at each strength and
 * write a strip of images (`<attribute>-seed0001.png`, one column per strength) and of colourised
 * segmentations (`…-mask.png`), plus `<attribute>-edit.json` (direction info, strengths, mode, distances).
 */
export async function editCommand(options: EditCommandOptions): Promise<EditCommandResult> {
  const { generator } = options;
  const log = options.log ?? (() => undefined);
  const direction = typeof options.direction === 'string' ? await loadDirection(options.direction) : options.direction;
  const strengths = [...(options.strengths ?? linspace(-3, 3, 7))];
  if (strengths.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'editCommand needs at least one strength.');
  const seeds = options.seeds ?? [0];
  const mode = options.mode ?? 'absolute';
  const truncation = options.truncation ?? direction.info.truncation ?? 1;
  const batchSize = options.batchSize ?? 8;
  const scale = options.scale ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError('E_INVALID_ARGUMENT', `batchSize must be a positive integer, got ${batchSize}.`);
  if (!Number.isInteger(scale) || scale < 1) throw new InputError('E_INVALID_ARGUMENT', `scale must be a positive integer, got ${scale}.`);
  const synth = options.noise === undefined ? {} : { noise: options.noise };
  const name = direction.info.attribute.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'direction';
  const files: string[] = [];
  const distances: number[] = [];

  for (const seed of seeds) {
    const latent = seedLatent(generator, direction.space, seed, truncation);
    const images: RgbPixels[] = [];
    const segs: RgbPixels[] = [];
    try {
      distances.push(signedDistance(latent, direction as Direction<typeof latent.space>)[0]!);
      const edited = sweep(latent, direction as Direction<typeof latent.space>, strengths, { mode });
      const all = concatLatents(edited);
      tf.dispose(edited.map((l) => l.tensor));
      try {
        for (let start = 0; start < strengths.length; start += batchSize) {
          const count = Math.min(batchSize, strengths.length - start);
          const part = { ...all, tensor: tf.slice(all.tensor, start, count) } as Latent;
          const wPlus = toWPlusFor(generator, part, truncation);
          part.tensor.dispose();
          try {
            const out = generator.synthesize(wPlus, synth);
            try {
              images.push(...(await imagesToPixels(out.image)));
              if (options.masks ?? true) segs.push(...(await segmentationToPixels(out.seg)));
            } finally {
              tf.dispose(out);
            }
          } finally {
            wPlus.tensor.dispose();
          }
        }
      } finally {
        all.tensor.dispose();
      }
    } finally {
      latent.tensor.dispose();
    }
    const up = (p: RgbPixels) => (scale === 1 ? p : upscalePixels(p, scale));
    const stem = `${name}-seed${String(seed).padStart(4, '0')}`;
    const imagePath = join(options.outDir, `${stem}.png`);
    await writeFileAtomic(imagePath, encodeRgbPng(gridPixels(images.map(up), strengths.length)));
    files.push(imagePath);
    if (options.masks ?? true) {
      const maskPath = join(options.outDir, `${stem}-mask.png`);
      await writeFileAtomic(maskPath, encodeRgbPng(gridPixels(segs.map(up), strengths.length)));
      files.push(maskPath);
    }
    log(`${stem}: distance ${distances[distances.length - 1]!.toFixed(3)}, ${strengths.length} steps (${mode})`);
  }
  const summaryPath = join(options.outDir, `${name}-edit.json`);
  await writeFileAtomic(
    summaryPath,
    `${JSON.stringify({ attribute: direction.info.attribute, space: direction.space, mode, truncation, strengths, seeds, distances, info: direction.info }, null, 2)}\n`,
  );
  files.push(summaryPath);
  return { files, strengths, distances };
}
