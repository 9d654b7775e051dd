import { writeFaceDataset } from '../src/index.js';
for (const workers of [1, 2]) {
  const r = await writeFaceDataset({ n: 40, size: 64, out: `/tmp/ds/out-w${workers}`, seed: 7, workers, overwrite: true });
  console.log(workers, r.ms.toFixed(0), r.rendered);
}
