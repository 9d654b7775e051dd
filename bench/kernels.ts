/** Conv backprop kernels on wasm (x [4,64,64,64], 3×3 → 64): semstyle's kernels against a forward conv. */
import * as tf from '@tensorflow/tfjs';
import { benchKernels } from '../packages/core/src/kernels/bench-kernels.js';
import { peakRssMib, type BenchMeasure } from './record.js';

export const kernelMeasures: BenchMeasure[] = [
  {
    name: 'kernels/conv-backprop',
    async run() {
      const rows = await benchKernels(7, false);
      return rows.map((row) => ({
        name: `kernel: ${row.name}`,
        backend: tf.getBackend(),
        config: 'x[4,64,64,64] 3x3→64',
        batch: 4,
        median_ms: Math.round(row.medianMs * 10) / 10,
        min_ms: Math.round(row.medianMs * 10) / 10,
        max_ms: Math.round(row.medianMs * 10) / 10,
        runs: 7,
        peak_rss_mib: peakRssMib(),
        note: 'median only (min/max not recorded by the kernel script)',
      }));
    },
  },
];
