/**
 * Region swap and component-by-component build-up: the hair (or another region) of face B on face A,
 * nothing else changing; then face A assembled region by region through the composition mask.
 * Run: npx tsx examples/region-swap.ts [checkpoint] [region]   → out/region-swap/
 */
import * as tf from '@tensorflow/tfjs';
import { imagesToPixels, segmentationToPixels, swapCodes } from '@semstyle/core';
import { editLocality } from '@semstyle/metrics';
import { setup } from './_shared/setup.js';
import { saveGrid } from './_shared/png.js';

const { generator: g, outDir, source, report } = await setup('region-swap');
const region = process.argv[3] ?? (g.regions.includes('hair') ? 'hair' : g.regions[g.regions.length - 1]!);

const a = g.sampleWPlus(1, 7, { truncation: 0.7 });
const b = g.sampleWPlus(1, 8, { truncation: 0.7 });

// Shape and texture codes of one region from B; every other code (and the coarse codes) from A.
const both = swapCodes(a, b, { regions: [region] });
// Texture only: B's appearance in A's shape (the region's mask does not move).
const textureOnly = swapCodes(a, b, { regions: [region], kinds: ['texture'] });

const batch = { ...a, tensor: tf.concat([a.tensor, b.tensor, both.tensor, textureOnly.tensor], 0) as tf.Tensor3D };
const out = g.synthesize(batch);
const swapGrid = await saveGrid(outDir, 'swap.png', [...(await imagesToPixels(out.image)), ...(await segmentationToPixels(out.seg))], 4);

// How much of the texture swap's pixel change lies inside the region's mask (union of before / after)?
const pick = (t: tf.Tensor4D, i: number) => tf.slice(t, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
const parts = [pick(out.image, 0), pick(out.image, 3), pick(out.seg, 0), pick(out.seg, 3)] as const;
const locality = editLocality({ before: parts[0], after: parts[1], segBefore: parts[2], segAfter: parts[3], editedClasses: [g.regions.indexOf(region)] });
const share = 1 - locality.outsideFraction;

// Build-up: background, then + each region in turn.
const steps = g.renderRegions(a, { cumulative: true });
const stepImages = [];
for (const step of steps) stepImages.push(...(await imagesToPixels(step.image)));
const buildGrid = await saveGrid(outDir, 'build-up.png', stepImages, steps.length);

tf.dispose([a.tensor, b.tensor, both.tensor, textureOnly.tensor, batch.tensor, out, ...parts, ...steps]);
g.dispose();

const path = await report(`# Region swap and build-up

Generator: ${source}. Region: **${region}**.

![A, B, A with B's ${region}, A with B's ${region} texture](${swapGrid})

Columns: face A, face B, A with B's ${region} (shape + texture codes), A with only B's ${region} texture.
${(share * 100).toFixed(1)}% of the texture swap's absolute pixel change falls inside the ${region} mask.

![build-up](${buildGrid})

Face A rendered with the composition mask growing one region at a time: ${g.regions.join(' → ')}.
`);
console.log(`wrote ${path}`);
