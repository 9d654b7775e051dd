// Timing of the feature extractors on the wasm backend. Run from the repository root:
//   npx tsx packages/metrics/bench/extractors.ts [--batch 4] [--reps 5]
// Prints one JSON line per extractor: {name, backend, batch, load_ms, median_ms (per image)}.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadNsfwjsInception, pixelExtractor, type FeatureExtractor } from '../src/index.js';
import { loadFaceApiRecognition } from '../src/node/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const batch = arg('batch', 4);
const reps = arg('reps', 5);

async function time(name: string, load: () => Promise<FeatureExtractor>, size: number): Promise<void> {
  const t0 = performance.now();
  const ex = await load();
  const loadMs = performance.now() - t0;
  const images = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const warm = await ex.extract(images); // first call compiles / allocates
  warm.dispose();
  const perImage: number[] = [];
  for (let r = 0; r < reps; r++) {
    const s = performance.now();
    const f = await ex.extract(images);
    f.dataSync();
    f.dispose();
    perImage.push((performance.now() - s) / batch);
  }
  perImage.sort((a, b) => a - b);
  const median = perImage[Math.floor(perImage.length / 2)]!;
  images.dispose();
  ex.dispose?.();
  console.log(JSON.stringify({ name, id: ex.id, backend: tf.getBackend(), batch, input: size, load_ms: Math.round(loadMs), median_ms: Number(median.toFixed(1)) }));
}

await tf.setBackend('wasm');
await tf.ready();
await time('pixels-64', async () => pixelExtractor(), 256);
await time('nsfwjs-inception-v3 (fine-tuned, flatten_1, 2048-d)', () => loadNsfwjsInception({ batchSize: batch }), 256);
await time('face-api recognition (128-d)', () => loadFaceApiRecognition(), 256);
