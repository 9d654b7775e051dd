/**
 * The default model's card (Markdown) from its measured figures: config, data, training history, quality
 * and the regions its own codes do not draw.
 */
import type { FaceModelEvaluation, RegionSwapLocality } from '@semstyle/cli';
import type { RunHistory } from './run-history.js';

export interface ModelCardData {
  /** e.g. "default64" (models/<model>.config.json). */
  model: string;
  configFile: string;
  step: number;
  checkpoint: string;
  checkpointPath: string;
  /** Official args (configToOfficialArgs), with region_names. */
  config: Record<string, unknown>;
  parameters: number;
  sizeBytes: number;
  data: { folder: string; n: number; size: number; seed: number };
  heldout: { folder: string; n?: number; seed?: number };
  training: RunHistory;
  /** ψ = 1, with the code-swap locality (`swapPairs`): its column of the class table. */
  evaluation: FaceModelEvaluation & { regionSwap: RegionSwapLocality };
  evaluationTruncation07: FaceModelEvaluation;
  /** The face parser's mIoU on held-out real faces (its evaluation.json): the ceiling of the mask mIoU. */
  parserMeanIoU: number;
}

/** The model card (Markdown) from the measured card. */
export function modelCard(c: ModelCardData): string {
  const e = c.evaluation;
  const t = c.evaluationTruncation07;
  const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
  const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
  const share = e.classShare;
  // Claimed = held by the region's own codes: its coarse-mask share is at least a tenth of what the parser
  // finds on real faces (classes rarer than 0.1 % there are ignored).
  const unclaimed = Object.keys(share.generator).filter((k) => share.parserOnReal[k]! >= 0.001 && share.generatorCoarse[k]! < 0.1 * share.parserOnReal[k]!);
  const labelledOnly = unclaimed.filter((k) => share.generator[k]! >= 0.1 * share.parserOnReal[k]!);
  const drawnUnclaimed = unclaimed.filter((k) => share.parserOnGenerated[k]! >= 0.5 * share.parserOnReal[k]!);
  const undrawn = unclaimed.filter((k) => !drawnUnclaimed.includes(k));
  const g = c.config;
  const size = Number(g['size']);
  const perClass = Object.entries(e.maskIoUPerClass)
    .map(([k, v]) => `${k} ${v === null ? 'n/a' : v.toFixed(2)}`)
    .join(', ');
  return `# semstyle default model (${c.model}) — step ${c.step}

SemanticStyleGAN trained by the project on synthetic cartoon faces (\`@semstyle/datasets\`, facesjs), ${size}×${size},
13 CelebAMask-HQ-style regions. It is what \`loadGenerator()\` and \`semstyle generate\` use without a checkpoint.
Files: \`model.json\` + weights (native tfjs format, G_ema only, ${(c.sizeBytes / 2 ** 20).toFixed(1)} MiB),
\`card.json\` (everything below, machine-readable).

## Config
size ${g['size']}, K ${g['seg_dim']} (${(g['region_names'] as string[]).join(', ')}), latent ${g['latent']}, n_mlp ${g['n_mlp']},
local generators ${g['local_layers']} layers × ${g['local_channel']} ch (base ${g['base_layers']}, depth ${g['depth_layers']}), coarse ${g['coarse_size']}² × ${g['coarse_channel']} ch,
render net from ${g['min_feat_size']}² with channels ${JSON.stringify(g['channels'])}, residual refine ${g['residual_refine']},
transparent dims ${JSON.stringify(g['transparent_dims'])}; ${c.parameters.toLocaleString('en-US')} trainable generator parameters.
(\`${c.configFile}\` in the repository.)

## Data
Training: \`${c.data.folder}\` — ${c.data.n} faces at ${c.data.size}², dataset seed ${c.data.seed}
(\`semstyle dataset faces --n ${c.data.n} --size ${c.data.size} --seed ${c.data.seed} --out ${c.data.folder}\`).
Held out (never trained on): \`${c.heldout.folder}\`${'n' in c.heldout ? ` — ${c.heldout.n} faces, seed ${c.heldout.seed}` : ''}.

## Training
semstyle's Trainer with the official recipe (non-saturating loss, R1 every 16 steps, path length every 4, style
mixing 0.3, Adam lr 0.002, EMA) and the loss weights below, batch ${c.training.batch ?? 'n/a'}, ${c.training.steps} steps
(${c.training.batch ? (c.training.steps * c.training.batch).toLocaleString('en-US') : 'n/a'} images), ${f(c.training.wallHours, 1)} h of wall time on the project's 2-core CPU machine (wasm, 2 threads,
sharing the cores with other work), resumed across work sessions:

    npx semstyle train --data ${c.data.folder} --config ${c.configFile} --batch ${c.training.batch ?? 8} \\
      --steps N --out ${c.training.parts[0]?.folder ?? 'runs/' + c.model} --sample-every 250 --checkpoint-every 250 --seed 1 --threads 2 [--resume CKPT] \\
      [--r1-img G] [--r1-seg G] [--lambda-mask L]

| steps | run folder | R1 γ image | R1 γ segmentation | mask λ |
|---|---|---:|---:|---:|
${c.training.parts.map((p) => `| ${p.fromStep}–${p.toStep} | \`${p.folder}\` | ${p.recipe.r1Img} | ${p.recipe.r1Seg} | ${p.recipe.lambdaMask} |`).join('\n')}

## Measured quality
\`semstyle evaluate\` (\`evaluateFaceModel\`): ${e.samplesPerSide} generated faces vs ${e.samplesPerSide} held-out real faces (half A), in the
128-d embedding of the datasets package's attribute classifier; the floor is the held-out set against itself
(half B vs half A, same sizes) — what a perfect generator would score.

| measure | ψ = 1 | ψ = 0.7 | floor (real vs real) |
|---|---|---|---|
| FID (classifier features) | ${f(e.fid)} | ${f(t.fid)} | ${f(e.fidFloor)} |
| KID (classifier features) | ${f(e.kid, 4)} | ${f(t.kid, 4)} | ${f(e.kidFloor, 4)} |
| mask mIoU: generator's masks vs the face parser on its images | ${f(e.maskMeanIoU, 3)} | ${f(t.maskMeanIoU, 3)} | parser on real faces: ${f(c.parserMeanIoU, 3)} |
| mask pixel accuracy | ${f(e.maskPixelAccuracy, 3)} | ${f(t.maskPixelAccuracy, 3)} | |

Per-class IoU (ψ = 1): ${perClass}.

Share of pixels per class (ψ = 1): in the generator's final masks, in its coarse masks (the fused softmax
weights at the local generators' grid: which region's own codes draw each pixel), in the parser's reading of
its images, and in the parser's reading of the held-out real faces. A class absent from the coarse masks
cannot be edited as its own region, even where the image draws it or the final mask labels it. The last
column is what an edit of that region does: its shape and texture codes swapped with another face's
(${e.regionSwap.pairs} pairs, \`edit_locality\` of \`@semstyle/metrics\` on the face parser's masks), the share of the pixel
change that falls outside the region (0 = perfectly local): the mean of each pair's share, and pooled over
the pairs (each pair weighed by how much the swap changed it). The two differ for a region most faces lack
(a hat swap between two hatless faces changes little, all of it outside the hat).

| class | final masks | coarse masks | parser on generated | parser on real | code swap: change outside (mean / pooled) |
|---|---:|---:|---:|---:|---:|
${Object.keys(share.generator).map((k) => `| ${k} | ${pct(share.generator[k]!)} | ${pct(share.generatorCoarse[k]!)} | ${pct(share.parserOnGenerated[k]!)} | ${pct(share.parserOnReal[k]!)} | ${k in e.regionSwap.outsideFraction ? `${f(e.regionSwap.outsideFraction[k]!)} / ${f(e.regionSwap.pooledOutsideFraction[k]!)}` : '—'} |`).join('\n')}

Reproduce: \`npx tsx scripts/export-default-model.ts --checkpoint ${c.checkpointPath} --run ${c.training.parts.map((p) => p.folder).join(',')} --real ${c.heldout.folder} --num ${e.samplesPerSide}\`.

## Limits
Cartoon faces only (facesjs's drawing style); ${size}×${size}; attribute balance follows facesjs's random draws. The
figures above are the whole evaluation: no human study.
${unclaimed.length === 0 ? '' : `
**Regions their own codes do not draw.** ${unclaimed.map((k) => `${k} (${pct(share.generatorCoarse[k]!)} of coarse-mask pixels; the parser finds ${pct(share.parserOnGenerated[k]!)} in the images and ${pct(share.parserOnReal[k]!)} in real faces)`).join('; ')}.
${labelledOnly.length > 0 ? `The final masks label ${labelledOnly.map((k) => `${k} (${pct(share.generator[k]!)})`).join(', ')}, but through the render net's refinement of a neighbouring region, not from ${labelledOnly.length > 1 ? 'their' : 'its'} own codes.` : ''}
${drawnUnclaimed.length > 0 ? `The images draw ${drawnUnclaimed.join(', ')} (the parser finds them about as often as on real faces), but inside a neighbouring region's texture: editing these regions' codes barely changes the image.` : ''}
${undrawn.length > 0 ? `The images rarely draw ${undrawn.join(', ')} at all.` : ''}
Use the regions the coarse masks claim, or another model.
`}`;
}
