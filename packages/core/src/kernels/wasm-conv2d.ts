/**
 * `Conv2D` for tfjs-backend-wasm: stride-1 3×3 convolutions large enough to pay take Winograd F(2×2, 3×3)
 * (wasm-winograd-conv.ts); every other convolution runs the stock kernel. Only the forward kernel changes:
 * tfjs' Conv2D gradient calls Conv2DBackpropInput / Conv2DBackpropFilter (semstyle's kernels; the stride-1
 * input gradient is again a stride-1 3×3 Conv2D, so it takes this path too), and second-order gradients
 * go through the same kernels, so R1 and path length need nothing new.
 */
import * as tf from '@tensorflow/tfjs';
import { pair, withRunner } from './kernel-runner.js';
import { markKernel } from './marker.js';
import { stockKernel } from './register.js';
import { heapMemory, type WasmHeapBackend } from './wasm-heap-view.js';
import { simdWinograd } from './wasm-simd-winograd.js';
import { winogradConv2D } from './wasm-winograd-conv.js';

/**
 * `minMacs`: the direct convolution's multiply-adds from which Winograd is used. Forward + both gradients,
 * batch 16, CPU ms stock → Winograd: [16, 64, 64, 64] (2.4 G) 647–713 → 611–664, [16, 32, 32, 128] (2.4 G)
 * 680–785 → 492–531, but [16, 16, 16, 128] (604 M) 168–172 → 173–192 (the single-threaded transforms and 16
 * GEMM calls cost more than the saved multiplies there). With 1e8 the whole training step showed no gain, with
 * 1e9 it did. `enabled`: switch for tests and benchmarks.
 */
export const winogradTuning = { enabled: true, minMacs: 1e9 };

export function makeWasmConv2DConfig(backendName: string): tf.KernelConfig {
  const current = tf.getKernel(tf.Conv2D, backendName);
  return {
    kernelName: tf.Conv2D,
    backendName,
    // The stock kernel binds its wasm function in setup; keep that running when the backend initialises.
    ...(current?.setupFunc !== undefined ? { setupFunc: current.setupFunc } : {}),
    kernelFunc: markKernel((args) => {
      const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const a = args.attrs as unknown as tf.Conv2DAttrs;
      const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
      const [sh, sw] = pair(a.strides);
      const [dh, dw] = pair(a.dilations);
      const format = a.dataFormat;
      const simd = heapMemory(args.backend as unknown as WasmHeapBackend);
      if (
        winogradTuning.enabled && kh === 3 && kw === 3 && sh === 1 && sw === 1 && dh === 1 && dw === 1 &&
        (format === undefined || format === 'NHWC') && ci % 4 === 0 && co % 4 === 0 &&
        x.dtype === 'float32' && filter.dtype === 'float32' && simd !== undefined
      ) {
        const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], 1, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
        const module = info.batchSize * info.outHeight * info.outWidth * ci * co * 9 >= winogradTuning.minMacs ? simdWinograd(simd) : null;
        if (module !== null) return withRunner(args.backend, backendName, (r) => winogradConv2D(r, module, x, filter, info));
      }
      const stock = stockKernel(tf.Conv2D, backendName);
      if (stock === undefined) throw new Error(`Conv2D: no stock kernel on ${backendName}.`);
      return stock.kernelFunc(args);
    }),
  };
}
