/**
 * Registers semstyle's kernels and gradients with tfjs. Runs on import; `registerSemstyleKernels()` may
 * be called again at any time (e.g. after another backend package was imported) and is idempotent.
 *
 * Kernels (per backend):
 * - wasm: Conv2DBackpropFilter (missing in tfjs-backend-wasm), Conv2DBackpropInput (replaces the stock
 *   one, ~13× slower than a forward conv), DepthwiseConv2dNativeBackpropInput / …BackpropFilter (missing).
 * - cpu: Conv2DBackpropFilter (the stock one takes minutes for one 64-channel 64×64 conv).
 * - webgpu (only when its backend package is loaded, and only kernels it lacks at that moment).
 *
 * - wasm: UnsortedSegmentSum (missing; the gradient of `tf.gather` needs it).
 * - wasm: Slice, Unpack, SplitV (replace the stock ones, which copy the whole input out of the heap for
 *   every slice; see wasm-slice.ts); Identity and same-dtype Cast without copying (wasm-identity.ts).
 *   Pure data movement: outputs are identical to the stock kernels'.
 * - wasm: SemstyleBiasLeakyRelu and SemstyleLeakyReluGrad (semstyle's own kernel names): the fused bias +
 *   leaky ReLU and its gradient as single passes (wasm-bias-leaky-relu.ts), bit-identical to the op chains;
 *   SemstyleRegionMatMul / SemstyleRegionMatMulNT, per-region products a·b and a·bᵀ read in place by WebAssembly
 *   SIMD loops, or the stock BatchMatMul on zero-copy views (wasm-region-matmul.ts).
 * - wasm: Conv2D (replaces the stock one): large stride-1 3×3 convolutions by Winograd F(2×2, 3×3)
 *   (wasm-conv2d.ts), all others by the stock kernel.
 *
 * Gradients (global, every backend): SemstyleLeakyReluGrad, Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropInput,
 * DepthwiseConv2dNativeBackpropFilter, AvgPoolGrad, ResizeBilinearGrad, and zero gradients for
 * comparison / logical ops, so that second-order gradients (R1, path-length penalties) work; and
 * replacements for tfjs-core's Exp, Sigmoid, Tanh, Softmax and Pow gradients, whose second derivatives
 * are silently wrong (they read the op's saved output; see output-recompute-grads.ts).
 */
import * as tf from '@tensorflow/tfjs';
// Imported first so that the wasm package's own registrations never come after (and replace) ours.
import '@tensorflow/tfjs-backend-wasm';
import { avgPoolGradGradConfig } from './avg-pool-grad-grad.js';
import { conv2DBackpropFilterGradConfig } from './conv2d-backprop-filter-grad.js';
import { makeConv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { makeConv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseBackpropFilterGradConfig } from './depthwise-backprop-filter-grad.js';
import { makeDepthwiseBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseBackpropInputGradConfig } from './depthwise-backprop-input-grad.js';
import { makeDepthwiseBackpropInputConfig } from './depthwise-backprop-input.js';
import { isSemstyleKernel } from './marker.js';
import { outputRecomputeGradConfigs } from './output-recompute-grads.js';
import { resizeBilinearGradGradConfig } from './resize-bilinear-grad-grad.js';
import { makeUnsortedSegmentSumConfig } from './unsorted-segment-sum.js';
import { leakyReluGradGradConfig, makeWasmBiasLeakyReluConfig, makeWasmLeakyReluGradConfig } from './wasm-bias-leaky-relu.js';
import { makeWasmConv2DConfig } from './wasm-conv2d.js';
import { makeWasmCastConfig, makeWasmIdentityConfig } from './wasm-identity.js';
import { makeWasmRegionMatMulConfig, makeWasmRegionMatMulNTConfig } from './wasm-region-matmul.js';
import { makeWasmSliceConfig, makeWasmSplitVConfig, makeWasmUnpackConfig } from './wasm-slice.js';
import { zeroGradConfigs } from './zero-grads.js';

type KernelFactory = (backendName: string) => tf.KernelConfig;

/** Kernels that replace or fill in each backend's; `'missing'` ones are only added where absent. */
const KERNELS: ReadonlyArray<{ factory: KernelFactory; backends: Record<string, 'replace' | 'missing'> }> = [
  { factory: makeConv2DBackpropFilterConfig, backends: { wasm: 'replace', cpu: 'replace', webgpu: 'missing' } },
  { factory: makeConv2DBackpropInputConfig, backends: { wasm: 'replace', webgpu: 'missing' } },
  { factory: makeDepthwiseBackpropInputConfig, backends: { wasm: 'replace', webgpu: 'missing' } },
  { factory: makeDepthwiseBackpropFilterConfig, backends: { wasm: 'replace', webgpu: 'missing' } },
  { factory: makeUnsortedSegmentSumConfig, backends: { wasm: 'missing', webgpu: 'missing' } },
  { factory: makeWasmSliceConfig, backends: { wasm: 'replace' } },
  { factory: makeWasmUnpackConfig, backends: { wasm: 'replace' } },
  { factory: makeWasmSplitVConfig, backends: { wasm: 'replace' } },
  { factory: makeWasmIdentityConfig, backends: { wasm: 'replace' } },
  { factory: makeWasmCastConfig, backends: { wasm: 'replace' } },
  { factory: makeWasmBiasLeakyReluConfig, backends: { wasm: 'missing' } },
  { factory: makeWasmLeakyReluGradConfig, backends: { wasm: 'missing' } },
  { factory: makeWasmRegionMatMulConfig, backends: { wasm: 'missing' } },
  { factory: makeWasmRegionMatMulNTConfig, backends: { wasm: 'missing' } },
  { factory: makeWasmConv2DConfig, backends: { wasm: 'replace' } },
];

/** Gradients added where tfjs-core has none. */
const GRADIENTS: readonly tf.GradConfig[] = [
  conv2DBackpropFilterGradConfig,
  depthwiseBackpropInputGradConfig,
  depthwiseBackpropFilterGradConfig,
  avgPoolGradGradConfig,
  resizeBilinearGradGradConfig,
  leakyReluGradGradConfig,
  ...zeroGradConfigs,
];

/** Gradients that replace tfjs-core's (theirs give wrong second derivatives; see output-recompute-grads). */
const REPLACED_GRADIENTS: readonly tf.GradConfig[] = outputRecomputeGradConfigs;

const STOCK_KEY = Symbol.for('semstyle.stockKernels');
const GRAD_KEY = Symbol.for('semstyle.gradient');

/** The stock kernels replaced by semstyle, shared across duplicate copies of this module. */
function stockStore(): Map<string, tf.KernelConfig> {
  const g = globalThis as unknown as Record<symbol, Map<string, tf.KernelConfig> | undefined>;
  let store = g[STOCK_KEY];
  if (store === undefined) {
    store = new Map();
    g[STOCK_KEY] = store;
  }
  return store;
}

/** The backend's own kernel that semstyle replaced (for tests and benchmarks), if any. */
export function stockKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  const current = tf.getKernel(kernelName, backendName);
  if (current != null && !isSemstyleKernel(current.kernelFunc)) return current;
  return stockStore().get(`${backendName}_${kernelName}`);
}

function registerKernelFor(factory: KernelFactory, backendName: string, mode: 'replace' | 'missing'): void {
  const config = factory(backendName);
  const existing = tf.getKernel(config.kernelName, backendName);
  if (existing != null) {
    if (isSemstyleKernel(existing.kernelFunc) || mode === 'missing') return;
    stockStore().set(`${backendName}_${config.kernelName}`, existing);
    tf.unregisterKernel(config.kernelName, backendName);
  }
  tf.registerKernel(config);
}

/** Registers every semstyle kernel and gradient that is not registered yet. Safe to call repeatedly. */
export function registerSemstyleKernels(): void {
  for (const { factory, backends } of KERNELS) {
    for (const [backendName, mode] of Object.entries(backends)) {
      if (backendName === 'webgpu' && tf.findBackendFactory('webgpu') == null) continue;
      registerKernelFor(factory, backendName, mode);
    }
  }
  for (const config of GRADIENTS) {
    const existing = tf.getGradient(config.kernelName) as (tf.GradConfig & { [GRAD_KEY]?: boolean }) | undefined;
    if (existing != null) continue; // ours already, or one from tfjs-core itself
    tf.registerGradient({ ...config, [GRAD_KEY]: true } as tf.GradConfig);
  }
  for (const config of REPLACED_GRADIENTS) {
    const existing = tf.getGradient(config.kernelName) as (tf.GradConfig & { [GRAD_KEY]?: boolean }) | undefined;
    if (existing?.[GRAD_KEY] === true) continue;
    if (existing != null) tf.unregisterGradient(config.kernelName);
    tf.registerGradient({ ...config, [GRAD_KEY]: true } as tf.GradConfig);
  }
}

registerSemstyleKernels();
