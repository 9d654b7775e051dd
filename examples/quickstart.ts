/**
 * Quickstart: generate faces, their segmentation masks and pseudo-depth maps.
 * Run: npx tsx examples/quickstart.ts [checkpoint]   → out/quickstart/
 */
import * as tf from '@tensorflow/tfjs';
import { depthsToPixels, imagesToPixels, segmentationToPixels, upscalePixels } from '@semstyle/core';
import { setup } from './_shared/setup.js';
import { saveGrid } from './_shared/png.js';

const { generator: g, outDir, source, report } = await setup('quickstart');

// 1. Sample four W+ latents (seeded: the same seeds give the same faces on every backend), truncated
//    toward the mean W for typical-looking samples.
const latent = g.sampleWPlus(4, 2024, { truncation: 0.7 });

// 2. Render: image, segmentation logits, coarse masks and per-region pseudo-depths — all NHWC, all ours.
const out = g.synthesize(latent);

// 3. Pictures: images, argmax masks in the official palette, and each sample's frontmost depth.
const images = await imagesToPixels(out.image);
const masks = await segmentationToPixels(out.seg);
const front = tf.tidy(() => tf.max(out.depths, 3, true)) as tf.Tensor4D;
const depths = (await depthsToPixels(front)).map((d) => upscalePixels(d[0]!, g.resolution / front.shape[1]));
const grid = await saveGrid(outDir, 'faces.png', [...images, ...masks, ...depths], 4);

// 4. Everything we own goes back.
tf.dispose([latent.tensor, out, front]);
g.dispose();

const path = await report(`# Quickstart

Generator: ${source}.

![faces, masks and depth](${grid})

Rows: images, segmentation masks (argmax of the final logits, official palette), frontmost pseudo-depth
(max over regions of the local generators' depth maps). Regions: ${g.regions.join(', ')}.
`);
console.log(`wrote ${path}`);
