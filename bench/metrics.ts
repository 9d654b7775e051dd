/** Feature extractors of @semstyle/metrics on wasm: load time and median ms per image (batch 4, 256²). */
import * as tf from '@tensorflow/tfjs';
import { loadNsfwjsInception, pixelExtractor, type FeatureExtractor } from '@semstyle/metrics';
import { loadFaceApiRecognition } from '@semstyle/metrics/node';
import { peakRssMib, timeIt, type BenchMeasure } from './record.js';

function extractorMeasure(name: string, load: () => Promise<FeatureExtractor> | FeatureExtractor, size = 256, batch = 4): BenchMeasure {
  return {
    name: `extractor/${name}`,
    async run() {
      const t0 = performance.now();
      const extractor = await load();
      const loadMs = performance.now() - t0;
      const images = tf.randomUniform([batch, size, size, 3], -1, 1) as tf.Tensor4D;
      const t = await timeIt(async () => {
        const f = await extractor.extract(images);
        await f.data();
        f.dispose();
      }, 5, 1);
      images.dispose();
      extractor.dispose?.();
      const per = (ms: number) => Math.round((ms / batch) * 10) / 10;
      return [{
        name: `extractor: ${name} (per image)`,
        backend: tf.getBackend(),
        config: `${size}x${size}`,
        batch,
        median_ms: per(t.median),
        min_ms: per(t.min),
        max_ms: per(t.max),
        runs: t.runs,
        peak_rss_mib: peakRssMib(),
        note: `load ${Math.round(loadMs)} ms; id ${extractor.id}`,
      }];
    },
  };
}

export const metricsMeasures: BenchMeasure[] = [
  extractorMeasure('pixels-64', () => pixelExtractor()),
  extractorMeasure('nsfwjs-inception-v3 (fine-tuned)', () => loadNsfwjsInception({ batchSize: 4 })),
  extractorMeasure('face-api recognition', () => loadFaceApiRecognition()),
];
