/**
 * A metrics report with plots: @semstyle/metrics on the generator, charts drawn with Vega-Lite offline to SVG.
 *  - edit locality per region (swap one region's codes with a donor's: how much of the change leaks outside it),
 *  - perceptual path length in Z and W (pixel distance, not LPIPS),
 *  - FID / KID against data/faces64-heldout/images at a few truncations, when that folder exists (features: the
 *    attribute classifier's 128-d embedding; 8² pixels on the tiny testing generator).
 * Run: npx tsx examples/metrics-report.ts [checkpoint]   → out/metrics-report/
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { decodePng, loadAttributeClassifier } from '@semstyle/datasets';
import { calcMetric, collectFeatures, pixelExtractor, type FeatureExtractor } from '@semstyle/metrics';
import { setup } from './_shared/setup.js';
import { saveSvg } from './_shared/plot.js';

const { generator: g, outDir, source, report } = await setup('metrics-report');
const tiny = process.env['SEMSTYLE_EXAMPLE_TINY'] === '1';
const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

// 1. Edit locality: for every region (but the background), swap its shape + texture codes with a donor
//    sample's; outside_fraction = share of Σ|Δpixel| outside the region's mask, mean_iou = how well the other
//    classes' masks are kept. 0 and 1 are ideal.
const regions = g.regions.slice(1);
const locality = await calcMetric('edit_locality', { generator: g, regions, num: tiny ? 4 : 32, truncation: 0.7 });
const localityRows = regions.flatMap((region) => [
  { region, measure: 'outside fraction (0 = local)', value: locality.values[`outside_fraction/${region}`] ?? Number.NaN },
  { region, measure: 'mean IoU of other masks (1 = kept)', value: locality.values[`mean_iou/${region}`] ?? Number.NaN },
]);
const localityPlot = await saveSvg(outDir, 'locality.svg', {
  title: 'Edit locality per region (region swap)',
  data: { values: localityRows },
  mark: 'bar',
  width: { step: 16 },
  encoding: {
    x: { field: 'region', type: 'nominal', sort: regions, title: null },
    xOffset: { field: 'measure' },
    y: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, title: null },
    color: { field: 'measure', type: 'nominal', legend: { orient: 'bottom', direction: 'vertical', title: null, labelLimit: 400 } },
  },
});

// 2. Perceptual path length, end-point sampling (t = 0) and full paths, in Z (slerp) and W (lerp).
const pplRows: { space: string; sampling: string; ppl: number }[] = [];
for (const name of ['ppl_zend', 'ppl_wend', 'ppl_zfull', 'ppl_wfull'] as const) {
  const r = await calcMetric(name, { generator: g, num: tiny ? 8 : 200, batchSize: 8 });
  pplRows.push({ space: name.slice(4, 5).toUpperCase(), sampling: name.slice(5), ppl: r.values.ppl });
}
const pplPlot = await saveSvg(outDir, 'ppl.svg', {
  title: 'Perceptual path length (64² pixel distance)',
  data: { values: pplRows },
  mark: 'bar',
  width: { step: 24 },
  encoding: {
    x: { field: 'sampling', type: 'nominal', title: null },
    xOffset: { field: 'space' },
    y: { field: 'ppl', type: 'quantitative', title: 'PPL' },
    color: { field: 'space', type: 'nominal', title: 'space' },
  },
});

// 3. FID and KID against held-out real faces, at a few truncations ψ (lower ψ: less diverse, often closer).
const realDir = fileURLToPath(new URL('../data/faces64-heldout/images', import.meta.url));
let fidSection = `*FID / KID skipped: ${realDir} is not there (make it with \`semstyle dataset-faces\`, see the datasets package).*`;
if (existsSync(realDir)) {
  const files = readdirSync(realDir).filter((name) => name.endsWith('.png')).sort().slice(0, tiny ? 48 : 500);
  const decoded = await Promise.all(files.map(async (name) => (await decodePng(readFileSync(join(realDir, name)))).data));
  const { width, height, channels } = await decodePng(readFileSync(join(realDir, files[0]!)));
  const bytes = new Uint8Array(decoded.length * width * height * channels);
  decoded.forEach((d, i) => bytes.set(d, i * d.length));
  const real = tf.tidy(() => tf.tensor4d(bytes, [files.length, height, width, channels]).slice([0, 0, 0, 0], [-1, -1, -1, 3]).toFloat().div(127.5).sub(1) as tf.Tensor4D);
  const classifier = tiny ? null : await loadAttributeClassifier();
  const extractor: FeatureExtractor = classifier ? classifier.featureExtractor() : pixelExtractor({ size: 8 });
  const fake = tiny ? 48 : 500;
  const fidRows: { truncation: number; measure: string; value: number }[] = [];
  const table: string[] = [];
  // Features once per side (FID and KID then take them as `{ features }`): real once, fake once per ψ.
  const realFeatures = (await collectFeatures({ images: real }, extractor, { keepFeatures: true })).features!;
  for (const truncation of [0.5, 0.7, 1]) {
    const fakeFeatures = (await collectFeatures({ generator: g, num: fake, seed: 0, batchSize: 8, truncation }, extractor, { keepFeatures: true })).features!;
    const sides = { real: { features: realFeatures }, fake: { features: fakeFeatures } };
    const fid = await calcMetric('fid', sides);
    const kid = await calcMetric('kid', sides);
    fidRows.push({ truncation, measure: 'FID', value: fid.values.fid }, { truncation, measure: 'KID', value: kid.values.kid });
    table.push(`| ${truncation} | ${f(fid.values.fid, 2)} | ${f(kid.values.kid, 4)} |`);
  }
  const fidPlot = await saveSvg(outDir, 'fid-kid.svg', {
    title: 'FID and KID vs truncation ψ',
    data: { values: fidRows },
    facet: { column: { field: 'measure', type: 'nominal', title: null } },
    spec: {
      width: 180,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'truncation', type: 'quantitative', title: 'ψ', scale: { domain: [0.4, 1] } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  });
  real.dispose();
  classifier?.dispose();
  fidSection = `${files.length} real faces (data/faces64-heldout) vs ${fake} generated per ψ; features: ${extractor.id}
(relative comparisons only: not the Inception features of published FIDs${tiny ? '; at this n the covariances are rank-deficient' : ''}).

| ψ | FID | KID |
|---|---|---|
${table.join('\n')}

![FID and KID](${fidPlot})`;
}
g.dispose();

const path = await report(`# Metrics report

Generator: ${source}. Computed with \`@semstyle/metrics\`' \`calcMetric\`; charts are Vega-Lite specs rendered to SVG
offline (vega View, renderer 'none').

## Edit locality (${locality.numSamples['images']} faces, each region's codes swapped with a donor's, ψ = 0.7)

Overall: outside fraction ${f(locality.values.outside_fraction)}, mean IoU of the other classes ${f(locality.values.mean_iou)}.

![edit locality](${localityPlot})

## Perceptual path length (ε = 1e-4; distance: 64² pixels, not LPIPS)

| space | sampling | PPL |
|---|---|---|
${pplRows.map((r) => `| ${r.space} | ${r.sampling} | ${f(r.ppl, 1)} |`).join('\n')}

![PPL](${pplPlot})

## FID / KID

${fidSection}
`);
console.log(`wrote ${path}`);
