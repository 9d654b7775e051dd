/**
 * Timing script (not a test): median milliseconds of a forward conv and of semstyle's backprop kernels on
 * the wasm backend, x [4,64,64,64], 3×3 → 64. Run: `npx tsx packages/core/src/kernels/bench-kernels.ts`.
 * Options: `--reps N` (default 7), `--stock` also times the wasm package's own Conv2DBackpropInput.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerSemstyleKernels, stockKernel } from './register.js';

interface Row {
  name: string;
  medianMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function time(name: string, reps: number, fn: () => tf.Tensor): Row {
  tf.dispose(fn()); // warm-up (operator creation, allocation)
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = fn();
    out.dataSync();
    ms.push(performance.now() - t0);
    out.dispose();
  }
  return { name, medianMs: median(ms) };
}

export async function benchKernels(reps = 7, withStock = false): Promise<Row[]> {
  await tf.setBackend('wasm');
  await tf.ready();
  registerSemstyleKernels();
  const x = tf.randomNormal([4, 64, 64, 64]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 64, 64]) as tf.Tensor4D;
  const x2 = tf.randomNormal([4, 32, 32, 64]) as tf.Tensor4D;
  const dy1 = tf.randomNormal([4, 64, 64, 64]) as tf.Tensor4D;
  const dy2 = tf.randomNormal([4, 32, 32, 64]) as tf.Tensor4D;
  const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) =>
    tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
  const rows: Row[] = [
    time('forward conv2d stride 1 same', reps, () => tf.conv2d(x, w, 1, 'same')),
    time('Conv2DBackpropFilter stride 1 same', reps, () =>
      run('Conv2DBackpropFilter', { x, dy: dy1 }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 64, 64] })),
    time('Conv2DBackpropInput stride 1 same', reps, () =>
      run('Conv2DBackpropInput', { dy: dy1, filter: w }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape })),
    time('forward conv2d stride 2 same', reps, () => tf.conv2d(x, w, 2, 'same')),
    time('Conv2DBackpropFilter stride 2 same', reps, () =>
      run('Conv2DBackpropFilter', { x, dy: dy2 }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 64, 64] })),
    time('Conv2DBackpropInput stride 2 same', reps, () =>
      run('Conv2DBackpropInput', { dy: dy2, filter: w }, { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape })),
    time('conv2dTranspose [4,32,32,64] stride 2 valid → 65×65', reps, () =>
      tf.conv2dTranspose(x2, w, [4, 65, 65, 64], 2, 'valid')),
    time('forward+backward (x and filter grads) stride 1', reps, () => {
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([x, w]);
      gw!.dispose();
      return gx!;
    }),
  ];
  const stock = stockKernel('Conv2DBackpropInput', 'wasm');
  if (withStock && stock !== undefined) {
    const backend = tf.backend();
    stock.setupFunc?.(backend); // its setup did not run: it was unregistered before the backend started
    rows.push(
      time('stock wasm Conv2DBackpropInput stride 1 same', Math.min(reps, 3), () => {
        const info = stock.kernelFunc({
          inputs: { dy: dy1, filter: w },
          backend,
          attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape } as unknown as tf.NamedAttrMap,
        }) as tf.TensorInfo;
        return tf.engine().makeTensorFromTensorInfo(info);
      }),
    );
  }
  tf.dispose([x, w, x2, dy1, dy2]);
  return rows;
}

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench-kernels.ts');
if (isMain) {
  const argv = process.argv.slice(2);
  const repsIdx = argv.indexOf('--reps');
  const reps = repsIdx >= 0 ? Number(argv[repsIdx + 1]) : 7;
  const rows = await benchKernels(reps, argv.includes('--stock'));
  for (const r of rows) console.log(`${r.name.padEnd(56)} ${r.medianMs.toFixed(1).padStart(8)} ms`);
}
