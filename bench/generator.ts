import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { initBackend, presetConfig, SemanticStyleGAN, DualBranchDiscriminator } from '@semstyle/core';
import { peakRssMib, timeIt, type BenchMeasure, type BenchRecord } from './record.js';

/** Official PyTorch 1.13, 2 threads, on this machine kind (the performance issue's figures). */
const PYTORCH_G_FORWARD_MS: Record<string, number> = { celebamask256: 1450, celebamask512: 2500 };

type Preset = 'celebamask256' | 'celebamask512' | 'tiny';

function threadsInUse(): number {
  if (tf.getBackend() !== 'wasm') return 1;
  try {
    return getThreadsCount();
  } catch {
    return 1;
  }
}

/**
 * Run `body` on `threads` wasm threads (then back to the thread count that was running). Skipped (returns
 * undefined) when the bench runs on another backend.
 */
async function withThreads<T>(threads: number | undefined, body: () => Promise<T>): Promise<T | undefined> {
  if (threads === undefined) return body();
  if (tf.getBackend() !== 'wasm') return undefined;
  const previous = threadsInUse();
  await initBackend('wasm', { threads });
  try {
    return await body();
  } finally {
    await initBackend('wasm', { threads: previous });
  }
}

/** CPU time of this process (all threads) in ms: less sensitive than wall time to other load on the machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function gForward(preset: Preset, batch: number, runs: number, threads?: number): BenchMeasure {
  return {
    name: `g-forward/${preset}/b${batch}${threads === undefined ? '' : `/t${threads}`}`,
    async run(): Promise<BenchRecord[]> {
      const records = await withThreads(threads, async () => {
        const g = SemanticStyleGAN.random(presetConfig(preset), 1);
        const w = g.sampleWPlus(batch, 1);
        const call = async () => {
          const out = g.synthesize(w);
          await out.image.data();
          tf.dispose(out);
        };
        await call(); // warm-up: also builds the generator's cached inference stack and folded weights
        const before = tf.memory().numTensors;
        const cpu0 = cpuMs();
        const t = await timeIt(call, runs, 0);
        const cpuPerCall = (cpuMs() - cpu0) / t.runs;
        const leaked = tf.memory().numTensors - before;
        w.tensor.dispose();
        g.dispose();
        const reference = batch === 1 ? PYTORCH_G_FORWARD_MS[preset] : undefined;
        const record: BenchRecord = {
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
          note:
            `threads: ${threadsInUse()}; cpu ms/call: ${cpuPerCall.toFixed(0)}; ` +
            `${batch > 1 ? `${((batch * 1000) / t.median).toFixed(2)} images/s; ` : ''}tensors leaked per call: ${leaked / t.runs}`,
        };
        return [record];
      });
      return records ?? [];
    },
  };
}

/**
 * Where the time goes: `tf.profile` of one synthesize call, kernel time summed per kernel and output
 * resolution (e.g. `FusedConv2D@128` = the render net's 3×3 convs at 128², `Conv2D@65` = the phases of the
 * upsampling conv to 128², `_FusedMatMul@` = local generators and heads). One record per group (largest
 * first, groups under 1 % folded into `other`), median_ms = the group's kernel time.
 */
function gForwardProfile(preset: Preset, threads?: number): BenchMeasure {
  return {
    name: `g-forward-profile/${preset}/b1${threads === undefined ? '' : `/t${threads}`}`,
    async run(): Promise<BenchRecord[]> {
      const records = await withThreads(threads, async () => {
        const g = SemanticStyleGAN.random(presetConfig(preset), 1);
        const w = g.sampleWPlus(1, 1);
        tf.dispose(g.synthesize(w)); // warm-up
        const t0 = performance.now();
        const info = await tf.profile(async () => {
          const out = g.synthesize(w);
          await out.image.data();
          tf.dispose(out);
        });
        const wall = performance.now() - t0;
        w.tensor.dispose();
        g.dispose();
        const groups = new Map<string, { ms: number; calls: number }>();
        let total = 0;
        for (const k of info.kernels) {
          if (k.name.endsWith('__op')) continue; // op scopes (e.g. fusedConv2d__op) wrap a kernel listed too
          const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
          const shape = k.outputShapes[0] ?? [];
          const size = shape.length === 4 ? String(shape[1]) : '';
          const key = `${k.name}@${size}`;
          const g0 = groups.get(key) ?? { ms: 0, calls: 0 };
          g0.ms += ms;
          g0.calls += 1;
          groups.set(key, g0);
          total += ms;
        }
        const sorted = [...groups.entries()].sort((a, b) => b[1].ms - a[1].ms);
        const big = sorted.filter(([, v]) => v.ms >= total * 0.01);
        const other = sorted.filter(([, v]) => v.ms < total * 0.01).reduce((a, [, v]) => ({ ms: a.ms + v.ms, calls: a.calls + v.calls }), { ms: 0, calls: 0 });
        const round = (v: number) => Math.round(v * 10) / 10;
        const row = (name: string, v: { ms: number; calls: number }): BenchRecord => ({
          name: `g-forward-profile:${name}`,
          backend: tf.getBackend(),
          config: preset,
          batch: 1,
          median_ms: round(v.ms),
          min_ms: round(v.ms),
          max_ms: round(v.ms),
          runs: 1,
          peak_rss_mib: peakRssMib(),
          note: `${v.calls} kernel calls; ${((v.ms / total) * 100).toFixed(1)} % of ${round(total)} ms kernel time (wall ${round(wall)} ms, threads ${threadsInUse()})`,
        });
        return [...big.map(([name, v]) => row(name, v)), row('other', other)];
      });
      return records ?? [];
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

// Order matters for peak RSS (a process-wide maximum): the batch-1 256 rows come before batch 8 and 512.
export const generatorMeasures: BenchMeasure[] = [
  gForward('tiny', 1, 10),
  // No `/tN`: the library's default in Node (every core up to 4; the record's note says how many).
  gForward('celebamask256', 1, 5),
  gForward('celebamask256', 1, 5, 1),
  gForward('celebamask256', 8, 3),
  gForward('celebamask512', 1, 5),
  gForward('celebamask512', 1, 3, 1),
  gForwardProfile('celebamask256', 1),
  dForward('celebamask256', 4),
];
