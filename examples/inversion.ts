/**
 * Inversion + edit: put an image into W+ by optimisation (StyleGAN2-projector schedule), then edit the
 * inverted latent by swapping one region's codes with another face's. Here the "real" image is a generated
 * one, so the inversion's latent error can be measured too; point it at any image with `semstyle invert`.
 * Run: npx tsx examples/inversion.ts [checkpoint] [region] [steps]   → out/inversion/
 */
import * as tf from '@tensorflow/tfjs';
import { imagesToPixels, segmentationToPixels, swapCodes } from '@semstyle/core';
import { invert } from '@semstyle/inversion';
import { editLocality, psnrPerImage } from '@semstyle/metrics';
import { setup } from './_shared/setup.js';
import { saveGrid } from './_shared/png.js';

const { generator: g, outDir, source, report } = await setup('inversion');
const region = process.argv[3] ?? (g.regions.includes('hair') ? 'hair' : g.regions[g.regions.length - 1]!);
const steps = Number(process.argv[4] ?? (process.env['SEMSTYLE_EXAMPLE_TINY'] === '1' ? 40 : 200));

// 1. The target: a generated face (its true latent is known).
const truth = g.sampleWPlus(1, 5, { truncation: 0.7 });
const target = tf.tidy(() => tf.clipByValue(g.synthesize(truth).image, -1, 1)) as tf.Tensor4D;

// 2. Optimisation inversion in W+ (MSE + pixel-pyramid term + latent prior; lr ramp and latent noise).
const inv = invert(g, target, { method: 'optimize', mode: 'w+', steps });
const psnr = psnrPerImage(target, tf.clipByValue(inv.reconstruction, -1, 1) as tf.Tensor4D);
const psnrValue = (await psnr.data())[0]!;

// 3. Edit the inverted latent: another face's codes for one region.
const donor = g.sampleWPlus(1, 6, { truncation: 0.7 });
const edited = swapCodes(inv.latent, donor, { regions: [region] });
const before = g.synthesize(inv.latent);
const after = g.synthesize(edited);
const locality = editLocality({
  before: before.image,
  after: after.image,
  segBefore: before.seg,
  segAfter: after.seg,
  editedClasses: [g.regions.indexOf(region)],
  numClasses: g.regions.length,
});

const images = [target, inv.reconstruction, after.image];
const pictures = [];
for (const t of images) pictures.push(...(await imagesToPixels(t)));
const masks = [...(await segmentationToPixels(inv.seg)), ...(await segmentationToPixels(after.seg))];
const grid = await saveGrid(outDir, 'inversion.png', [...pictures, ...masks], 3);

tf.dispose([truth.tensor, target, inv.latent.tensor, inv.reconstruction, inv.seg, psnr, donor.tensor, edited.tensor, before, after]);
g.dispose();

const path = await report(`# Inversion and region edit

Generator: ${source}. ${steps} optimisation steps in W+.

![target, reconstruction, edited](${grid})

Top row: the target, its reconstruction, the reconstruction with the ${region} codes of another face.
Bottom row: the masks of the reconstruction and of the edit.

- Reconstruction PSNR: ${psnrValue.toFixed(2)} dB; MSE by step: ${inv.mse[0]!.toFixed(4)} → ${inv.mse[inv.mse.length - 1]!.toFixed(4)}.
- Edit locality: ${(locality.outsideFraction * 100).toFixed(1)} % of the pixel change falls outside the ${region} mask.
`);
console.log(`wrote ${path}`);
