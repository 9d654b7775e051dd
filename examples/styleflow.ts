/**
 * StyleFlow on SemanticStyleGAN: sample W+ latents with an attribute score each, train a small conditional
 * CNF p(w_region | attribute) on that region's codes only, then edit the attribute: w → z under the
 * face's own score, score + δ, z → w′, and only the region's codes replaced (every other code is bit-identical).
 * Attribute: `bald` on `hair` (default: the attribute classifier's head; StyleFlow's most local edit on the
 * embedded default model, see packages/styleflow/README.md), any other head of the datasets package's classifier,
 * or `smiling` (scored from the mouth mask: for models whose masks claim the mouth, e.g. `… mouth smiling`); on
 * the tiny testing generator (SEMSTYLE_EXAMPLE_TINY=1) the region's mask area, so no network is needed.
 * Run: npx tsx examples/styleflow.ts [checkpoint] [region] [attribute] [steps]   → out/styleflow/
 */
import * as tf from '@tensorflow/tfjs';
import { imagesToPixels, regionSlots, segmentationToPixels, type RgbPixels, type WPlusLatent } from '@semstyle/core';
import { loadAttributeClassifier } from '@semstyle/datasets';
import { attributeClassifierScorers, createEditEvaluator, faceScorers, generateSamples, regionAreaScorer, samplesToLatent, type Scorer } from '@semstyle/interfacegan';
import { FlowTrainer, StyleFlow, arrayDataSource, flowEdit, selectPairRows } from '@semstyle/styleflow';
import { setup } from './_shared/setup.js';
import { saveGrid } from './_shared/png.js';

const { generator: g, outDir, source, report } = await setup('styleflow');
const tiny = process.env['SEMSTYLE_EXAMPLE_TINY'] === '1';
const region = process.argv[3] ?? (g.regions.includes('hair') ? 'hair' : g.regions[g.regions.length - 1]!);
const attribute = process.argv[4] ?? (tiny ? `${region} area` : 'bald');
const steps = Number(process.argv[5] ?? (tiny ? 40 : 300));
const n = tiny ? 96 : 400;

// 1. The attribute scorer: the region's share of pixels (tiny); `smiling` from the mouth mask's shape (the
//    generator's own masks); any other attribute from the attribute classifier's head.
const masked = tiny || attribute === 'smiling';
const classifier = masked ? null : await loadAttributeClassifier();
const scorer: Scorer = classifier
  ? attributeClassifierScorers(classifier, { attributes: [attribute] })[attribute]!
  : tiny ? regionAreaScorer({ regions: [region] }) : faceScorers().smiling;

// 2. Training pairs: N region-mixed W+ samples (so each region's codes vary independently) and their scores,
//    standardised; samples whose score is not finite (e.g. no pixel of the region) are left out.
const samples = await generateSamples(g, { n, seed: 1, space: 'w+', regionMixing: true, scorers: { attr: scorer } });
const raw = samples.scores['attr']!;
const keep = Array.from({ length: n }, (_, i) => i).filter((i) => Number.isFinite(raw[i]!));
const mean = keep.reduce((s, i) => s + raw[i]!, 0) / keep.length;
const sd = Math.sqrt(keep.reduce((s, i) => s + (raw[i]! - mean) ** 2, 0) / keep.length) || 1;
const { nLatent, styleDim: D } = samples.layout;
const latents = new Float32Array(keep.length * nLatent * D);
keep.forEach((i, r) => latents.set(samples.latents.subarray(i * nLatent * D, (i + 1) * nLatent * D), r * nLatent * D));
const attributes = Float32Array.from(keep, (i) => (raw[i]! - mean) / sd);
const slots = regionSlots(samples.layout, [region]); // the region's shape + texture codes
const pairs = selectPairRows({ latents, attributes, n: keep.length, rows: nLatent, dim: D, condDim: 1 }, slots);

// 3. A small CNF on those rows (StyleFlow's is 5 × 512 wide; this one is CPU-sized), trained briefly with RK4.
const flow = new StyleFlow({ dim: D, condDim: 1, hidden: tiny ? [32] : [128, 128], seed: 0, attributeNames: [attribute] });
const trainer = new FlowTrainer(flow, arrayDataSource(pairs.latents, pairs.attributes, pairs), { lr: tiny ? 1e-2 : 2e-3, batchSize: 64, solverSteps: 2, seed: 0 });
const first = trainer.trainStep();
const last = trainer.train(steps - 1) ?? first;
trainer.dispose();
console.log(`flow: ${pairs.n * pairs.rows} rows, NLL/dim ${first.nllPerDim.toFixed(3)} → ${last.nllPerDim.toFixed(3)} in ${steps} steps`);

// 4. Edit four held-out faces by δ standard deviations of the attribute, restricted to the region's codes.
const faces = await generateSamples(g, { n: 4, seed: 99, space: 'w+', truncation: 0.7, synthesize: false });
const face: WPlusLatent = samplesToLatent(faces);
const evaluator = await createEditEvaluator(g, face, { scorer, regions: [region] });
const sourceAttrs = tf.tensor2d(Array.from(evaluator.scoresBefore, (s) => (Number.isFinite(s) ? (s - mean) / sd : 0)), [4, 1]);
const deltas = [-2, -1, 0, 1, 2];
const edited = deltas.map((delta) => {
  const r = flowEdit(flow, face, sourceAttrs, { changes: [{ attribute, delta }], regions: [region] });
  r.attributes.dispose();
  return r.latent;
});
const rows: string[] = [];
for (const [k, delta] of deltas.entries()) {
  const e = await evaluator.evaluate(edited[k]!);
  rows.push(`| ${delta > 0 ? '+' : ''}${delta} | ${e.scoreChange.toFixed(3)} | ${e.shareIncreased.toFixed(2)} | ${Number.isFinite(e.outsideFraction) ? e.outsideFraction.toFixed(3) : '—'} |`);
}

// 5. Before/after strip: one row per face (columns δ = −2 … +2), each followed by its masks.
const pictures: RgbPixels[] = [];
for (let i = 0; i < 4; i++) {
  const batch = { ...face, tensor: tf.concat(edited.map((e) => tf.slice(e.tensor, [i, 0, 0], [1, -1, -1])), 0) as tf.Tensor3D };
  const out = g.synthesize(batch);
  pictures.push(...(await imagesToPixels(out.image)), ...(await segmentationToPixels(out.seg)));
  tf.dispose([batch.tensor, out]);
}
const strip = await saveGrid(outDir, 'styleflow.png', pictures, deltas.length);
tf.dispose([face.tensor, sourceAttrs, ...edited.map((e) => e.tensor)]);
evaluator.dispose();
flow.dispose();
classifier?.dispose();
g.dispose();

const path = await report(`# StyleFlow: ${attribute}, edited on the ${region} codes

Generator: ${source}. Attribute: ${tiny ? `share of pixels labelled ${region} (a mask-area score, no classifier)` : classifier ? `the attribute classifier's \`${attribute}\` head` : 'smile score of the mouth mask (`faceScorers().smiling`)'},
standardised over ${keep.length} of ${n} region-mixed W+ samples. Flow: CNF on the ${region} W+ rows (slots ${slots.join(', ')}),
ODE net ${tiny ? '32' : '128-128'} hidden, ${steps} Adam steps (RK4×2, Hutchinson trace): NLL/dim ${first.nllPerDim.toFixed(3)} → ${last.nllPerDim.toFixed(3)}.
Edit: dopri5 w → z under each face's own score, score + δ (in standard deviations), z → w′; only the ${region} codes
are replaced, every other W+ code stays bit-identical.

| δ | mean score change | share of faces whose score rose | share of \\|Δpixel\\| outside ${region} |
|---|---|---|---|
${rows.join('\n')}

Four faces (rows, each followed by its masks), δ = ${deltas.join(', ')} left to right:

![styleflow](${strip})
`);
console.log(`wrote ${path}`);
