import * as tf from '@tensorflow/tfjs';
import type { GeneratorConfig } from '../contract/config.js';
import { makeFirKernel } from '../layers/fir-kernel.js';
import { fusedLeakyRelu } from '../layers/fused-leaky-relu.js';
import { fourierFeatures } from '../layers/position-embedding.js';
import { stopGradient } from '../layers/stop-gradient.js';
import { isRecordingGradients } from '../layers/tape.js';
import { regionMatMul } from '../layers/plain-matmul.js';
import type { ParameterStore, ParamSpec } from './parameters.js';

/**
 * The K local generators g_k: each an MLP of modulated, demodulated 1×1 convs over the Fourier features of
 * the coarse grid, with a pseudo-depth head (not for the background) and a feature head. All K run as
 * batched matmuls over a leading region axis: activations are [K, N, P, C] (P = coarse pixels).
 */

export function positionEmbeddingFrequencies(config: GeneratorConfig): number {
  // The number of frequencies follows the OUTPUT size, not the coarse grid (official N_freqs = log2(size)).
  return Math.round(Math.log2(config.size));
}

export function localGeneratorParamSpecs(config: GeneratorConfig): ParamSpec[] {
  const c = config.localChannel;
  const nFreq = positionEmbeddingFrequencies(config);
  const specs: ParamSpec[] = [
    {
      name: 'pos_embed.weights',
      officialShape: [c, 2 * (2 * nFreq + 1), 1, 1],
      layout: 'conv1x1-matrix',
      trainable: true,
      init: { kind: 'randn' },
    },
  ];
  const headKernel = makeFirKernel(config.blurKernel, 2);
  const kernelSize = config.blurKernel.length;
  for (let k = 0; k < config.segDim; k++) {
    const prefix = `local_nets.${k}`;
    for (let i = 0; i < config.localLayers; i++) {
      specs.push(
        { name: `${prefix}.linears.${i}.conv.weight`, officialShape: [1, c, c, 1, 1], layout: 'local-conv', trainable: true, init: { kind: 'randn' } },
        { name: `${prefix}.linears.${i}.conv.modulation.weight`, officialShape: [c, config.styleDim], layout: 'linear', trainable: true, init: { kind: 'randn' } },
        { name: `${prefix}.linears.${i}.conv.modulation.bias`, officialShape: [c], layout: 'plain', trainable: true, init: { kind: 'constant', value: 1 } },
        { name: `${prefix}.linears.${i}.activate.bias`, officialShape: [c], layout: 'plain', trainable: true, init: { kind: 'constant', value: 0 } },
      );
    }
    const heads: Array<[string, number]> = [['to_feat', config.coarseChannel]];
    if (k > 0) heads.push(['to_depth', 1]);
    for (const [head, outC] of heads) {
      specs.push(
        { name: `${prefix}.${head}.bias`, officialShape: [1, outC, 1, 1], layout: 'channel', trainable: true, init: { kind: 'constant', value: 0 } },
        { name: `${prefix}.${head}.upsample.kernel`, officialShape: [kernelSize, kernelSize], layout: 'plain', trainable: false, init: { kind: 'fixed', values: headKernel } },
        { name: `${prefix}.${head}.conv.weight`, officialShape: [outC, c, 1, 1], layout: 'conv1x1-matrix', trainable: true, init: { kind: 'randn' } },
        { name: `${prefix}.${head}.conv.modulation`, officialShape: [1, c, 1, 1], layout: 'channel', trainable: true, init: { kind: 'constant', value: 1 } },
      );
    }
  }
  return specs;
}

/** The local generators' parameters stacked over regions: what one batched forward needs. */
export interface StackedLocalParams {
  /** Position-embedding projection of the Fourier features, [P, C] (same for every sample and region). */
  readonly positionFeatures: tf.Tensor2D;
  readonly layers: ReadonlyArray<{
    /** Scaled weight [K, C, C] (in, out). */
    readonly weight: tf.Tensor3D;
    /** Scaled modulation weight [K, D, C]. */
    readonly modWeight: tf.Tensor3D;
    readonly modBias: tf.Tensor3D; // [K, 1, C]
    readonly actBias: tf.Tensor4D; // [K, 1, 1, C]
  }>;
  /** Effective feature head [K, C, coarseChannel] and bias [K, 1, 1, coarseChannel]. */
  readonly featMatrix: tf.Tensor3D;
  readonly featBias: tf.Tensor4D;
  /** Effective depth head of regions 1…K-1: [K-1, C, 1] and bias [K-1, 1, 1, 1]; absent when K = 1. */
  readonly depthMatrix?: tf.Tensor3D;
  readonly depthBias?: tf.Tensor4D;
}

function headMatrix(params: ParameterStore, name: string): tf.Tensor2D {
  const weight = params.get<tf.Rank.R2>(`${name}.conv.weight`);
  const modulation = params.get<tf.Rank.R1>(`${name}.conv.modulation`);
  const inC = weight.shape[0];
  return tf.mul(weight, tf.mul(tf.reshape(modulation, [inC, 1]), 1 / Math.sqrt(inC)));
}

/** Stack (and pre-scale) the per-region parameters. Differentiable: gradients reach the store's variables. */
export function stackLocalParams(config: GeneratorConfig, params: ParameterStore): StackedLocalParams {
  // tidy keeps every tensor reachable from the returned object.
  return tf.tidy(() => {
    const K = config.segDim;
    const c = config.localChannel;
    const regions = Array.from({ length: K }, (_, k) => `local_nets.${k}`);
    const nFreq = positionEmbeddingFrequencies(config);
    const fourier = tf.tensor2d(fourierFeatures(config.coarseSize, nFreq), [config.coarseSize ** 2, 2 * (2 * nFreq + 1)]);
    const posWeight = params.get<tf.Rank.R2>('pos_embed.weights');
    const positionFeatures: tf.Tensor2D = tf.matMul(fourier, tf.mul(posWeight, 1 / Math.sqrt(posWeight.shape[0])));
    const layers = [];
    for (let i = 0; i < config.localLayers; i++) {
      const at = (suffix: string) => regions.map((r) => params.get(`${r}.linears.${i}.${suffix}`));
      layers.push({
        weight: tf.mul(tf.stack(at('conv.weight')), 1 / Math.sqrt(c)) as tf.Tensor3D,
        modWeight: tf.mul(tf.stack(at('conv.modulation.weight')), 1 / Math.sqrt(config.styleDim)) as tf.Tensor3D,
        modBias: tf.reshape(tf.stack(at('conv.modulation.bias')), [K, 1, c]) as tf.Tensor3D,
        actBias: tf.reshape(tf.stack(at('activate.bias')), [K, 1, 1, c]) as tf.Tensor4D,
      });
    }
    const featMatrix = tf.stack(regions.map((r) => headMatrix(params, `${r}.to_feat`))) as tf.Tensor3D;
    const featBias = tf.reshape(tf.stack(regions.map((r) => params.get(`${r}.to_feat.bias`))), [K, 1, 1, config.coarseChannel]) as tf.Tensor4D;
    const withDepth = regions.slice(1);
    const depth =
      withDepth.length === 0
        ? {}
        : {
            depthMatrix: tf.stack(withDepth.map((r) => headMatrix(params, `${r}.to_depth`))) as tf.Tensor3D,
            depthBias: tf.reshape(tf.stack(withDepth.map((r) => params.get(`${r}.to_depth.bias`))), [K - 1, 1, 1, 1]) as tf.Tensor4D,
          };
    return { positionFeatures, layers, featMatrix, featBias, ...depth } as unknown as tf.TensorContainerObject;
  }) as unknown as StackedLocalParams;
}

export interface LocalGeneratorOutput {
  /** Pseudo-depths [K, N, P]; region 0 is zeros. */
  readonly depths: tf.Tensor3D;
  /** Feature maps [K, N, P, coarseChannel]. */
  readonly features: tf.Tensor4D;
}

/**
 * The rows of a [R, C] tensor as R rank-1 tensors backed by their own data: tfjs-wasm's fused kernels check
 * the rank of the bias's *data* (a row from `unstack` keeps the [1, C] slice shape there and is refused).
 */
function rank1Rows(t: tf.Tensor2D): tf.Tensor1D[] {
  const [r, c] = t.shape;
  const flat = tf.reshape(t, [r * c]);
  return Array.from({ length: r }, (_, i) => tf.slice(flat, [i * c], [c]) as tf.Tensor1D);
}

/**
 * Run all K local generators. `latentsExpanded` is [N, K·L, D]: region k's layer i reads row k·L + i.
 *
 * Inference (no gradient tape): each region's 1×1 convs run as plain 2-D matmuls ([N·P, C] × [C, C]), not
 * as one batched matmul over the region axis: tfjs-wasm's BatchMatMul with a batch dimension is not
 * XNNPACK-backed (the feature head [13, 4096, 64] × [13, 64, 512] took ~2.9 s that way, ~0.25 s as 13
 * matmuls). Modulation, demodulation and the √2 gain are folded into one [C, C] weight per (region, sample)
 * and bias + leaky ReLU are fused into the matmul. Training (a tape records) and batches of small models
 * take `localGeneratorsTaped` (see `preferBatched`).
 */
export function localGeneratorsForward(
  config: GeneratorConfig,
  stacked: StackedLocalParams,
  latentsExpanded: tf.Tensor3D,
): LocalGeneratorOutput {
  if (isRecordingGradients() || preferBatched(config, latentsExpanded.shape[0])) return localGeneratorsTaped(config, stacked, latentsExpanded);
  return tf.tidy(() => {
    const K = config.segDim;
    const L = config.localLayers;
    const n = latentsExpanded.shape[0];
    const D = config.styleDim;
    const P = config.coarseSize ** 2;
    const c = config.localChannel;
    // [N, K, L, D] → [L, K, N, D]: one [K, N, D] block of styles per layer.
    const perLayer = tf.unstack(tf.transpose(tf.reshape(latentsExpanded, [n, K, L, D]), [2, 1, 0, 3]));
    const regions = Array.from({ length: K }, (_, k) => k);
    // xs[k·N + j] is [P, C] (region k, sample j).
    let xs: tf.Tensor2D[] = regions.flatMap(() => Array.from({ length: n }, () => stacked.positionFeatures));
    let depthsOfRest: tf.Tensor3D | undefined;
    for (let i = 0; i < L; i++) {
      const layer = stacked.layers[i]!;
      const style = tf.add(tf.matMul(perLayer[i] as tf.Tensor3D, layer.modWeight), layer.modBias); // [K, N, C]
      const demod = tf.rsqrt(tf.add(tf.matMul(tf.square(style), tf.square(layer.weight)), 1e-8)); // [K, N, C]
      const actBias = tf.reshape(layer.actBias, [K, c]);
      // W_eff[k, j] = diag(style[k, j]) · W_k · diag(√2 · demod[k, j]); lrelu(√2 z) = √2 lrelu(z).
      const weff = tf.mul(
        tf.mul(tf.reshape(layer.weight, [K, 1, c, c]), tf.reshape(style, [K, n, c, 1])),
        tf.reshape(tf.mul(demod, Math.SQRT2), [K, n, 1, c]),
      );
      const weights = tf.unstack(tf.reshape(weff, [K * n, c, c])) as tf.Tensor2D[];
      const biases = rank1Rows(tf.mul(actBias, Math.SQRT2) as tf.Tensor2D);
      xs = xs.map((x, kj) =>
        tf.fused.matMul({ a: x, b: weights[kj]!, bias: biases[Math.floor(kj / n)]!, activation: 'leakyrelu', leakyreluAlpha: 0.2 }) as tf.Tensor2D,
      );
      if (i === config.depthLayers - 1 && K > 1 && stacked.depthMatrix && stacked.depthBias) {
        const matrices = tf.unstack(stacked.depthMatrix) as tf.Tensor2D[];
        const biases = tf.unstack(tf.reshape(stacked.depthBias, [K - 1, 1])) as tf.Tensor1D[];
        const rest = regions.slice(1).map((k) => tf.add(tf.matMul(tf.concat(xs.slice(k * n, (k + 1) * n), 0), matrices[k - 1]!), biases[k - 1]!));
        depthsOfRest = tf.reshape(tf.stack(rest), [K - 1, n, P]) as tf.Tensor3D;
      }
    }
    const featMatrices = tf.unstack(stacked.featMatrix) as tf.Tensor2D[];
    const featBiases = rank1Rows(tf.reshape(stacked.featBias, [K, config.coarseChannel]) as tf.Tensor2D);
    const perRegion = xs.map((x, kj) => tf.fused.matMul({ a: x, b: featMatrices[Math.floor(kj / n)]!, bias: featBiases[Math.floor(kj / n)]! }));
    const features = tf.reshape(tf.stack(perRegion), [K, n, P, config.coarseChannel]) as tf.Tensor4D;
    return { depths: withBackgroundDepth(depthsOfRest, K, n, P), features };
  });
}

/**
 * Without a tape, whether the region-batched path beats folding per (region, sample): folding runs K·N
 * fused matmuls per layer, each P·C² multiply-adds; when those are small (the 64 px training config:
 * 1024·16², batch 8: 104 calls of ~0.3 M MACs per layer) their per-call cost dominates and the batched
 * path (K matmuls and a few elementwise passes per layer) is faster — the D step's fakes at batch 8:
 * 1.1–1.6 s → 0.8–0.9 s on 2 threads. Batch 1 (interactive inference) and large models keep the folded path.
 */
function preferBatched(config: GeneratorConfig, n: number): boolean {
  return n > 1 && config.coarseSize ** 2 * config.localChannel ** 2 <= 1 << 20;
}

/** Region 0 (background) has depth 0; `rest` holds regions 1…K-1 ([K-1, N, P]), absent when K = 1. */
function withBackgroundDepth(rest: tf.Tensor3D | undefined, K: number, n: number, P: number): tf.Tensor3D {
  if (rest === undefined) return tf.zeros([K, n, P]) as tf.Tensor3D;
  return tf.concat([tf.zeros([1, n, P]) as tf.Tensor3D, rest], 0) as tf.Tensor3D;
}

/**
 * The differentiable local generators (training). Activations are channel-major and batched over regions,
 * x[k, c, j, p] = [K, C, N, P], so that the per-(region, sample) modulation and demodulation ([K, C, N, 1])
 * and the per-region bias ([K, C, 1, 1]) broadcast along the contiguous pixel axis. On wasm, XNNPACK
 * broadcasts along an inner axis of 16 channels (the NHWC layout) row by row: ~20× the cost of a plain
 * multiply, in the forward pass and again in the gradient's reductions. Each layer's 1×1 conv is one
 * `regionMatMul` (K plain XNNPACK products [C, C]·[C, N·P], gradients likewise). Same arithmetic as the
 * inference path up to float32 rounding (summation order).
 */
export function localGeneratorsTaped(config: GeneratorConfig, stacked: StackedLocalParams, latentsExpanded: tf.Tensor3D): LocalGeneratorOutput {
  return tf.tidy(() => {
    const K = config.segDim;
    const L = config.localLayers;
    const n = latentsExpanded.shape[0];
    const D = config.styleDim;
    const P = config.coarseSize ** 2;
    const c = config.localChannel;
    const cc = config.coarseChannel;
    const perLayer = tf.unstack(tf.transpose(tf.reshape(latentsExpanded, [n, K, L, D]), [2, 1, 0, 3]));
    // Layer 0 reads the position features, the same for every region and sample: [1, C, 1, P].
    let x: tf.Tensor4D = tf.reshape(tf.transpose(stacked.positionFeatures), [1, c, 1, P]);
    let depthsOfRest: tf.Tensor3D | undefined;
    const channelMajor = (t: tf.Tensor3D) => tf.reshape(tf.transpose(t, [0, 2, 1]), [K, c, n, 1]); // [K, N, C] → [K, C, N, 1]
    for (let i = 0; i < L; i++) {
      const layer = stacked.layers[i]!;
      const style = tf.add(tf.matMul(perLayer[i] as tf.Tensor3D, layer.modWeight), layer.modBias) as tf.Tensor3D; // [K, N, C]
      const demod = tf.rsqrt(tf.add(tf.matMul(tf.square(style), tf.square(layer.weight)), 1e-8)) as tf.Tensor3D; // [K, N, C]
      const modulated = tf.reshape(tf.mul(x, channelMajor(style)), [K, c, n * P]) as tf.Tensor3D;
      const conv = tf.reshape(regionMatMul(tf.transpose(layer.weight, [0, 2, 1]), modulated), [K, c, n, P]);
      x = fusedLeakyRelu(tf.mul(conv, channelMajor(demod)), tf.reshape(layer.actBias, [K, c, 1, 1])) as tf.Tensor4D;
      if (i === config.depthLayers - 1) {
        if (K > 1 && stacked.depthMatrix && stacked.depthBias) {
          const rest = tf.reshape(tf.slice(x, [1, 0, 0, 0], [K - 1, c, n, P]), [K - 1, c, n * P]) as tf.Tensor3D;
          const depth = regionMatMul(tf.transpose(stacked.depthMatrix, [0, 2, 1]), rest); // [K-1, 1, N·P]
          depthsOfRest = tf.reshape(tf.add(depth, tf.reshape(stacked.depthBias, [K - 1, 1, 1])), [K - 1, n, P]) as tf.Tensor3D;
        }
        if (config.detachTexture && i < L - 1) x = stopGradient(x);
      }
    }
    const feat = regionMatMul(tf.transpose(stacked.featMatrix, [0, 2, 1]), tf.reshape(x, [K, c, n * P]) as tf.Tensor3D); // [K, cc, N·P]
    const biased = tf.add(feat, tf.reshape(stacked.featBias, [K, cc, 1]));
    const features = tf.transpose(tf.reshape(biased, [K, cc, n, P]), [0, 2, 3, 1]) as tf.Tensor4D;
    return { depths: withBackgroundDepth(depthsOfRest, K, n, P), features };
  });
}
