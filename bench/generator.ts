import * as tf from '@tensorflow/tfjs';
import { presetConfig, SemanticStyleGAN, DualBranchDiscriminator } from '@semstyle/core';
import { peakRssMib, timeIt, type BenchMeasure, type BenchRecord } from './record.js';

/** Official PyTorch 1.13, 2 threads, on this machine kind (the performance issue's figures). */
const PYTORCH_G_FORWARD_MS: Record<string, number> = { celebamask256: 1450, celebamask512: 2500 };

function gForward(preset: 'celebamask256' | 'celebamask512' | 'tiny', batch: number, runs: number): BenchMeasure {
  return {
    name: `g-forward/${preset}/b${batch}`,
    async run(): Promise<BenchRecord[]> {
      const g = SemanticStyleGAN.random(presetConfig(preset), 1);
      const w = g.sampleWPlus(batch, 1);
      const call = async () => {
        const out = g.synthesize(w);
        await out.image.data();
        tf.dispose(out);
      };
      await call(); // warm-up: also builds the generator's cached inference stack
      const before = tf.memory().numTensors;
      const t = await timeIt(call, runs, 0);
      const leaked = tf.memory().numTensors - before;
      w.tensor.dispose();
      g.dispose();
      const reference = batch === 1 ? PYTORCH_G_FORWARD_MS[preset] : undefined;
      return [
        {
          name: `g-forward`,
          backend: tf.getBackend(),
          config: preset,
          batch,
          median_ms: t.median,
          min_ms: t.min,
          max_ms: t.max,
          runs: t.runs,
          peak_rss_mib: peakRssMib(),
          ...(reference ? { reference_ms: reference, ratio_to_reference: Math.round((t.median / reference) * 100) / 100 } : {}),
          note: `${batch > 1 ? `${((batch * 1000) / t.median).toFixed(2)} images/s; ` : ''}tensors leaked per call: ${leaked / t.runs}`,
        },
      ];
    },
  };
}

function dForward(preset: 'celebamask256', batch: number): BenchMeasure {
  return {
    name: `d-forward/${preset}/b${batch}`,
    async run() {
      const config = presetConfig(preset);
      const d = DualBranchDiscriminator.random(config, 1);
      const s = config.discriminator.imgSize;
      const img = tf.randomNormal([batch, s, s, 3]) as tf.Tensor4D;
      const seg = tf.randomNormal([batch, s, s, config.discriminator.segDim]) as tf.Tensor4D;
      const t = await timeIt(async () => {
        const out = d.forward(img, seg);
        await out.data();
        out.dispose();
      }, 5, 1);
      tf.dispose([img, seg]);
      d.dispose();
      return [{ name: 'd-forward', backend: tf.getBackend(), config: preset, batch, median_ms: t.median, min_ms: t.min, max_ms: t.max, runs: t.runs, peak_rss_mib: peakRssMib() }];
    },
  };
}

export const generatorMeasures: BenchMeasure[] = [
  gForward('tiny', 1, 10),
  gForward('celebamask256', 1, 5),
  gForward('celebamask256', 8, 3),
  gForward('celebamask512', 1, 5),
  dForward('celebamask256', 4),
];
