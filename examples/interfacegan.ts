/**
 * InterFaceGAN on SemanticStyleGAN: sample latents, score each render by a region's area (no network
 * needed), train a linear-SVM boundary in W+ — once unrestricted and once restricted to that region's
 * codes — and edit along both. The restricted direction cannot touch any other region's codes.
 * Run: npx tsx examples/interfacegan.ts [checkpoint] [region] [N]   → out/interfacegan/
 */
import * as tf from '@tensorflow/tfjs';
import { imagesToPixels, segmentationToPixels, type RgbPixels, type WPlusLatent } from '@semstyle/core';
import { generateSamples, regionAreaScorer, sweep, trainBoundaryDetailed, type Direction } from '@semstyle/interfacegan';
import { setup } from './_shared/setup.js';
import { saveGrid } from './_shared/png.js';

const { generator: g, outDir, source, report } = await setup('interfacegan');
const region = process.argv[3] ?? (g.regions.includes('hair') ? 'hair' : g.regions[g.regions.length - 1]!);
const n = Number(process.argv[4] ?? (process.env['SEMSTYLE_EXAMPLE_TINY'] === '1' ? 120 : 600));

// 1. Sample N W+ latents with per-region mixing (so region codes vary independently) and score each
//    render by the share of pixels the region covers in the generator's own segmentation.
const samples = await generateSamples(g, {
  n,
  seed: 1,
  space: 'w+',
  regionMixing: true,
  scorers: { area: regionAreaScorer({ regions: [region] }) },
});

// 2. Boundaries: top / bottom 10 % as positives / negatives, 70/30 split, linear SVM.
const unrestricted = trainBoundaryDetailed(samples, 'area', { attribute: `${region} area`, fraction: 0.1 });
const restricted = trainBoundaryDetailed(samples, 'area', { attribute: `${region} area (restricted)`, fraction: 0.1, regions: [region] });

// 3. Edit one face along each direction.
const face = g.sampleWPlus(1, 99, { truncation: 0.7 });
const strengths = [-3, -1.5, 0, 1.5, 3];
async function strip(direction: Direction<'w+'>): Promise<RgbPixels[]> {
  const edited = sweep<WPlusLatent>(face, direction, strengths);
  const batch = { ...face, tensor: tf.concat(edited.map((e) => e.tensor), 0) as tf.Tensor3D };
  const out = g.synthesize(batch);
  const pictures = [...(await imagesToPixels(out.image)), ...(await segmentationToPixels(out.seg))];
  tf.dispose([batch.tensor, out, ...edited.map((e) => e.tensor)]);
  return pictures;
}
const gridA = await saveGrid(outDir, 'unrestricted.png', await strip(unrestricted.direction), strengths.length);
const gridB = await saveGrid(outDir, 'restricted.png', await strip(restricted.direction), strengths.length);
face.tensor.dispose();
g.dispose();

const acc = (r: typeof unrestricted) => `${((r.direction.info.accuracy?.validation ?? NaN) * 100).toFixed(1)} %`;
const path = await report(`# InterFaceGAN: ${region} area

Generator: ${source}. ${n} samples in W+ (per-region mixing), score = share of pixels labelled ${region}.

| direction | validation accuracy |
|---|---|
| unrestricted (all W+ codes) | ${acc(unrestricted)} |
| restricted to the ${region} codes | ${acc(restricted)} |

Unrestricted, strengths ${strengths.join(', ')} (images, then masks):

![unrestricted](${gridA})

Restricted to the ${region} shape and texture codes:

![restricted](${gridB})
`);
console.log(`wrote ${path}`);
