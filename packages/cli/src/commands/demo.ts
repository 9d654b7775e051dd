import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  depthsToPixels,
  gridPixels,
  imagesToPixels,
  segmentationToPixels,
  swapCodes,
  upscalePixels,
  type RgbPixels,
  type SemanticStyleGAN,
} from '@semstyle/core';
import { editLocality } from '@semstyle/metrics';
import { writePng } from '../png.js';

export interface DemoOptions {
  readonly generator: SemanticStyleGAN;
  readonly outDir: string;
  /** Region whose codes move from face B to face A (default: hair when the model has it). */
  readonly swapRegion?: string;
  readonly seeds?: readonly number[];
  readonly truncation?: number;
  readonly log?: (line: string) => void;
}

export interface DemoResult {
  readonly grid: string;
  readonly swap: string;
  readonly buildUp: string;
  /** Share of the absolute pixel change of the swap that falls inside the swapped region (its mask, union before/after). */
  readonly swapChangeInsideRegion: number;
}

async function pictures(generator: SemanticStyleGAN, out: ReturnType<SemanticStyleGAN['synthesize']>): Promise<{ images: RgbPixels[]; masks: RgbPixels[]; depths: RgbPixels[] }> {
  const images = await imagesToPixels(out.image);
  const masks = await segmentationToPixels(out.seg);
  // One depth picture per sample: the per-pixel argmax region's depth is noisy to look at, so show the
  // frontmost depth (max over regions), upscaled to the image size.
  const front = tf.tidy(() => tf.max(out.depths, 3, true)) as tf.Tensor4D;
  const depths = (await depthsToPixels(front)).map((d) => upscalePixels(d[0]!, generator.resolution / front.shape[1]));
  front.dispose();
  return { images, masks, depths };
}

/**
 * The Quickstart's main job: a grid of generated faces with their masks and pseudo-depth maps; a region
 * swap (one region's codes from face B onto face A, nothing else changing); and a component-by-component
 * build-up (regions added one at a time through the composition mask).
 */
export async function demoCommand(options: DemoOptions): Promise<DemoResult> {
  const { generator } = options;
  const log = options.log ?? (() => undefined);
  const seeds = options.seeds ?? [0, 1, 2, 3, 4, 5];
  const truncation = options.truncation ?? 0.7;
  const regions = generator.regions;
  const swapRegion = options.swapRegion ?? (regions.includes('hair') ? 'hair' : regions[Math.min(2, regions.length - 1)]!);

  // 1. Grid: images / masks / depths, one column per seed.
  const latents = tf.tidy(() => tf.concat(seeds.map((s) => generator.sampleWPlus(1, s, { truncation }).tensor), 0)) as tf.Tensor3D;
  const wplus = { space: 'w+' as const, tensor: latents, layout: generator.layout };
  const out = generator.synthesize(wplus);
  const grid = await pictures(generator, out);
  tf.dispose(out);
  const gridPath = join(options.outDir, 'grid.png');
  await writePng(gridPath, gridPixels([...grid.images, ...grid.masks, ...grid.depths], seeds.length));
  log(`grid of ${seeds.length} faces (rows: image, mask, depth) → ${gridPath}`);

  // 2. Region swap: A, B, A with B's region.
  const a = { ...wplus, tensor: tf.slice(latents, [0, 0, 0], [1, -1, -1]) as tf.Tensor3D };
  const b = { ...wplus, tensor: tf.slice(latents, [1, 0, 0], [1, -1, -1]) as tf.Tensor3D };
  const swapped = swapCodes(a, b, { regions: [swapRegion] });
  const three = { ...wplus, tensor: tf.concat([a.tensor, b.tensor, swapped.tensor], 0) as tf.Tensor3D };
  const swapOut = generator.synthesize(three);
  // Locality of the swap (metrics' edit locality: |Δpixel| outside the region's mask, union before/after).
  const [before, after] = [0, 2].map((i) => tf.slice(swapOut.image, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D);
  const [segBefore, segAfter] = [0, 2].map((i) => tf.slice(swapOut.seg, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D);
  const locality = editLocality({ before: before!, after: after!, segBefore: segBefore!, segAfter: segAfter!, editedClasses: [regions.indexOf(swapRegion)] });
  const swapChangeInsideRegion = 1 - locality.outsideFraction;
  tf.dispose([before!, after!, segBefore!, segAfter!]);
  const swapPictures = await pictures(generator, swapOut);
  tf.dispose([swapOut, a.tensor, b.tensor, swapped.tensor, three.tensor]);
  const swapPath = join(options.outDir, 'swap.png');
  await writePng(swapPath, gridPixels([...swapPictures.images, ...swapPictures.masks], 3));
  log(`region swap: ${swapRegion} of face B onto face A (columns: A, B, result; ${(swapChangeInsideRegion * 100).toFixed(1)}% of the pixel change falls inside the region) → ${swapPath}`);

  // 3. Build-up: the first face with regions added one by one.
  const first = { ...wplus, tensor: tf.slice(latents, [0, 0, 0], [1, -1, -1]) as tf.Tensor3D };
  const steps = generator.renderRegions(first, { cumulative: true });
  const stepImages: RgbPixels[] = [];
  const stepMasks: RgbPixels[] = [];
  for (const step of steps) {
    stepImages.push(...(await imagesToPixels(step.image)));
    stepMasks.push(...(await segmentationToPixels(step.seg)));
  }
  tf.dispose([first.tensor, ...steps]);
  latents.dispose();
  const buildPath = join(options.outDir, 'build-up.png');
  await writePng(buildPath, gridPixels([...stepImages, ...stepMasks], steps.length));
  log(`component build-up (${regions.join(' + ')}) → ${buildPath}`);
  return { grid: gridPath, swap: swapPath, buildUp: buildPath, swapChangeInsideRegion };
}
