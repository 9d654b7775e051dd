import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  depthsToPixels,
  gridPixels,
  imagesToPixels,
  InputError,
  readSafetensors,
  segmentationToPixels,
  writeSafetensors,
  type HostTensor,
  type Latent,
  type NoiseMode,
  type SemanticStyleGAN,
  type StateDict,
} from '@semstyle/core';
import { readFileBytes, writeFileAtomic } from '@semstyle/core/node';
import { writePng } from '../png.js';

export interface GenerateCommandOptions {
  readonly generator: SemanticStyleGAN;
  /** Either seeds (one Z each) or a latents file holding `z` [N, D] or `w_plus` [N, nLatent, D]. */
  readonly seeds?: readonly number[];
  readonly latentsFile?: string;
  readonly truncation?: number;
  readonly noise?: NoiseMode;
  readonly outDir: string;
  /** Also write raw outputs as float32 NCHW safetensors (image, seg, seg_coarse, depths, m). */
  readonly tensorsFile?: string;
  readonly batchSize?: number;
  readonly log?: (line: string) => void;
}

export interface GenerateCommandResult {
  readonly files: string[];
  readonly count: number;
}

async function readLatents(generator: SemanticStyleGAN, path: string): Promise<{ latent: Latent; names: string[] }> {
  const file = readSafetensors(await readFileBytes(path));
  const z = file.tensors.get('z');
  const wPlus = file.tensors.get('w_plus');
  const pick = (t: HostTensor, what: string) => {
    if (t.dtype !== 'float32') throw new InputError('E_SHAPE', `${path}: "${what}" must be float32, got ${t.dtype}.`);
    return tf.tensor(t.data as Float32Array, [...t.shape]);
  };
  if (z) {
    const tensor = pick(z, 'z');
    const n = tensor.shape[0]!;
    return { latent: { space: 'z', tensor: tensor as tf.Tensor2D }, names: Array.from({ length: n }, (_, i) => `latent${String(i).padStart(4, '0')}`) };
  }
  if (wPlus) {
    const tensor = pick(wPlus, 'w_plus');
    const n = tensor.shape[0]!;
    return {
      latent: { space: 'w+', tensor: tensor as tf.Tensor3D, layout: generator.layout },
      names: Array.from({ length: n }, (_, i) => `latent${String(i).padStart(4, '0')}`),
    };
  }
  throw new InputError('E_SHAPE', `${path} holds neither "z" [N, ${generator.config.styleDim}] nor "w_plus" [N, ${generator.layout.nLatent}, ${generator.config.styleDim}] (found: ${[...file.tensors.keys()].join(', ') || 'nothing'}).`);
}

function nchw(t: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(t, [0, 3, 1, 2]);
}

/** Generate images, colourised masks and depth maps for seeds or a latents file; write PNGs (and tensors). */
export async function generateCommand(options: GenerateCommandOptions): Promise<GenerateCommandResult> {
  const { generator } = options;
  const log = options.log ?? (() => undefined);
  const batchSize = options.batchSize ?? 4;
  let all: Latent;
  let names: string[];
  if (options.latentsFile) {
    ({ latent: all, names } = await readLatents(generator, options.latentsFile));
  } else {
    const seeds = options.seeds ?? [0];
    const tensor = tf.tidy(() => tf.concat(seeds.map((s) => generator.sampleZ(1, s).tensor), 0)) as tf.Tensor2D;
    all = { space: 'z', tensor };
    names = seeds.map((s) => `seed${String(s).padStart(4, '0')}`);
  }
  const files: string[] = [];
  const collected: Record<'image' | 'seg' | 'seg_coarse' | 'depths' | 'm', tf.Tensor[]> = { image: [], seg: [], seg_coarse: [], depths: [], m: [] };
  try {
    const n = all.tensor.shape[0]!;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const sliced = tf.tidy(() => tf.slice(all.tensor, start, size));
      const latent = { ...all, tensor: sliced } as Latent;
      const out = generator.generate(latent, { truncation: options.truncation ?? 1, noise: options.noise ?? 'const' });
      sliced.dispose();
      try {
        const images = await imagesToPixels(out.image);
        const masks = await segmentationToPixels(out.seg);
        const depths = await depthsToPixels(out.depths);
        for (let i = 0; i < size; i++) {
          const name = names[start + i]!;
          const paths = {
            image: join(options.outDir, `${name}_image.png`),
            mask: join(options.outDir, `${name}_mask.png`),
            depth: join(options.outDir, `${name}_depth.png`),
          };
          await writePng(paths.image, images[i]!);
          await writePng(paths.mask, masks[i]!);
          // Regions 1…K-1 (the background has no depth), side by side.
          await writePng(paths.depth, gridPixels(depths[i]!.slice(1), depths[i]!.length - 1, 1, 0));
          files.push(paths.image, paths.mask, paths.depth);
        }
        if (options.tensorsFile) {
          collected.image.push(nchw(out.image));
          collected.seg.push(nchw(out.seg));
          collected.seg_coarse.push(nchw(out.segCoarse));
          collected.depths.push(nchw(out.depths));
          collected.m.push(nchw(out.masks));
        }
        log(`generated ${start + size}/${n}`);
      } finally {
        tf.dispose(out);
      }
    }
    if (options.tensorsFile) {
      const dict: StateDict = new Map();
      for (const [name, parts] of Object.entries(collected)) {
        const joined = tf.concat(parts, 0);
        dict.set(name, { dtype: 'float32', shape: joined.shape, data: new Float32Array(await joined.data()) });
        joined.dispose();
      }
      await writeFileAtomic(options.tensorsFile, writeSafetensors(dict, { layout: 'NCHW float32', producer: 'semstyle generate' }));
      files.push(options.tensorsFile);
    }
    return { files, count: n };
  } finally {
    tf.dispose(all.tensor);
    tf.dispose(Object.values(collected).flat());
  }
}
