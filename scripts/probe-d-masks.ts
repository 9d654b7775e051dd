/**
 * How much does a training checkpoint's discriminator look at the masks? D's mean logit on held-out real
 * (image, mask) pairs, against the same images with classes merged into skin and with other faces' masks.
 * A D whose segmentation branch works loses logit when eyes, mouth, … vanish from the mask; a blind one does
 * not (packages/core/docs/training.md, "R1 weights below 256²").
 *
 *   npx tsx scripts/probe-d-masks.ts --checkpoint runs/default64/checkpoints/004750.safetensors \
 *     [--data data/faces64-heldout] [--n 32] [--threads 1]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { FACE_REGIONS, initBackend } from '@semstyle/core';
import { Trainer } from '@semstyle/core/node';
import { FolderDataset } from '@semstyle/datasets';

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    data: { type: 'string', default: 'data/faces64-heldout' },
    n: { type: 'string', default: '32' },
    threads: { type: 'string', default: '1' },
  },
});
if (!values.checkpoint) throw new Error('--checkpoint (a training checkpoint, with D) is required');
await initBackend('wasm', { threads: Number(values.threads) });
const K = FACE_REGIONS.length;
const skin = FACE_REGIONS.indexOf('skin');
const data = await FolderDataset.open(values.data!, { resolution: 64, segDim: K });
const trainer = await Trainer.resume(values.checkpoint, data, {});
const batch = (await data.batches(Number(values.n), 3)[Symbol.asyncIterator]().next()).value!;

/** The {−1, 1} one-hot mask with `classes` relabelled as skin. */
const mergeIntoSkin = (mask: tf.Tensor4D, classes: number[]) =>
  tf.tidy(() => {
    const oneHot = mask.add(1).div(2);
    const selected = tf.tensor1d(Array.from({ length: K }, (_, k) => (classes.includes(k) ? 1 : 0)));
    const moved = oneHot.mul(selected).sum(3, true);
    const kept = oneHot.mul(tf.scalar(1).sub(selected));
    const toSkin = tf.oneHot(tf.tensor1d([skin], 'int32'), K).reshape([1, 1, 1, K]).toFloat();
    return kept.add(moved.mul(toSkin)).mul(2).sub(1) as tf.Tensor4D;
  });
const meanLogit = (mask: tf.Tensor4D) => tf.tidy(() => trainer.d.predict(batch.image, mask).mean().dataSync()[0]!);

const real = meanLogit(batch.mask);
const rows: [string, number][] = [];
const shuffled = tf.concat([batch.mask.slice([1, 0, 0, 0]), batch.mask.slice([0, 0, 0, 0], [1, -1, -1, -1])]) as tf.Tensor4D;
rows.push(["other faces' masks", real - meanLogit(shuffled)]);
shuffled.dispose();
const small = ['eyes', 'brows', 'mouth', 'ears', 'neck'];
for (const group of [...small.map((c) => [c]), small, ['hair']]) {
  const merged = mergeIntoSkin(batch.mask, group.map((c) => FACE_REGIONS.indexOf(c as (typeof FACE_REGIONS)[number])));
  rows.push([`${group.join(' + ')} → skin`, real - meanLogit(merged)]);
  merged.dispose();
}
console.log(`${values.checkpoint}: D's mean logit on ${batch.image.shape[0]} real pairs ${real.toFixed(3)}; drop when the mask is changed:`);
for (const [what, drop] of rows) console.log(`  ${what.padEnd(40)} ${drop.toFixed(3)}`);
tf.dispose([batch.image, batch.mask]);
trainer.dispose();
