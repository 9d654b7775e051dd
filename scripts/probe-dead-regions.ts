/**
 * Can a region the masks never claim be revived by raising its pseudo-depth? For each region under 0.1 % of
 * mask pixels it prints how well its depth margin (its depth minus the highest other depth, coarse grid)
 * ranks the pixels the face parser labels as that region in the generated images (ROC AUC: 0.5 is chance),
 * then what a uniform shift of those regions' depth biases does: their share of the final masks, the IoU
 * with the parser's reading of the shifted images, and the mean absolute change of the image.
 * An AUC near 0.5 means the depth map is not shaped like the part: a shift claims the wrong pixels
 * (packages/core/docs/training.md, "Regions that die early").
 *
 *   npx tsx scripts/probe-dead-regions.ts --checkpoint runs/default64-seg62/checkpoints/007500.safetensors \
 *     [--n 64] [--shifts 0,2,3,4] [--threads 1]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, SemanticStyleGAN } from '@semstyle/core';
import { loadGenerator } from '@semstyle/core/node';
import { loadFaceParser, rocAuc } from '@semstyle/datasets';

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    n: { type: 'string', default: '64' },
    shifts: { type: 'string', default: '0,2,3,4' },
    threads: { type: 'string', default: '1' },
    seed: { type: 'string', default: '123' },
  },
});
await initBackend('wasm', { threads: Number(values.threads) });
const original = await loadGenerator(values.checkpoint);
const parser = await loadFaceParser();
const K = original.regions.length;
const latents = original.sampleWPlus(Number(values.n), Number(values.seed));
const base = original.synthesize(latents);

const finalShare = tf.tidy(() => tf.oneHot(tf.argMax(base.seg, 3), K).mean([0, 1, 2]).dataSync());
const dead = Array.from({ length: K }, (_, k) => k).filter((k) => k > 0 && finalShare[k]! < 0.001);
const [, h, w] = base.depths.shape;
const parsedCoarse = tf.tidy(() =>
  tf.image.resizeNearestNeighbor(parser.parse(base.image).expandDims(3).toFloat() as tf.Tensor4D, [h, w]).dataSync(),
);
const depths = base.depths.dataSync();
console.log(`${values.checkpoint}: regions under 0.1 % of mask pixels: ${dead.map((k) => original.regions[k]).join(', ') || 'none'}`);
for (const k of dead) {
  const pixels = parsedCoarse.length;
  const margin = new Float32Array(pixels);
  const positive = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    let other = -Infinity;
    for (let j = 0; j < K; j++) if (j !== k) other = Math.max(other, depths[p * K + j]!);
    margin[p] = depths[p * K + k]! - other;
    positive[p] = parsedCoarse[p] === k ? 1 : 0;
  }
  const share = positive.reduce((s, v) => s + v, 0) / pixels;
  console.log(`  ${original.regions[k]!.padEnd(11)} parser share ${(100 * share).toFixed(2)} %, depth-margin AUC ${rocAuc(margin, positive).toFixed(3)}`);
}

const state = await original.toStateDict();
for (const shift of values.shifts!.split(',').map(Number)) {
  const shifted = new Map(state);
  for (const k of dead) {
    const key = `local_nets.${k}.to_depth.bias`;
    const bias = state.get(key)!;
    shifted.set(key, { ...bias, data: Float32Array.from(bias.data as Float32Array, (b) => b + shift) });
  }
  const generator = SemanticStyleGAN.fromStateDict(original.config, shifted);
  const out = generator.synthesize(latents);
  const labels = tf.tidy(() => tf.argMax(out.seg, 3).dataSync());
  const parsed = tf.tidy(() => parser.parse(out.image).dataSync());
  const change = tf.tidy(() => tf.abs(tf.sub(out.image, base.image)).mean().dataSync()[0]!);
  const cells = dead.map((k) => {
    let mine = 0, theirs = 0, both = 0;
    for (let i = 0; i < labels.length; i++) {
      const a = labels[i] === k, b = parsed[i] === k;
      mine += +a; theirs += +b; both += +(a && b);
    }
    return `${original.regions[k]} ${(100 * mine / labels.length).toFixed(2)} % (IoU ${(both / Math.max(1, mine + theirs - both)).toFixed(2)})`;
  });
  console.log(`  shift +${shift}: mean |Δimage| ${change.toFixed(3)}; mask share: ${cells.join(', ')}`);
  tf.dispose(out);
  generator.dispose();
}
tf.dispose([base, latents.tensor]);
original.dispose();
parser.dispose();
