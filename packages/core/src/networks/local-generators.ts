import * as tf from '@tensorflow/tfjs';
import type { GeneratorConfig } from '../contract/config.js';
import { makeFirKernel } from '../layers/fir-kernel.js';
import { fusedLeakyRelu } from '../layers/fused-leaky-relu.js';
import { fourierFeatures } from '../layers/position-embedding.js';
import { stopGradient } from '../layers/stop-gradient.js';
import { isRecordingGradients } from '../layers/tape.js';
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
 * Each region's 1×1 convs run as plain 2-D matmuls ([N·P, C] × [C, C]), not as one batched matmul over
 * the region axis: tfjs-wasm's BatchMatMul with a batch dimension is not XNNPACK-backed (the feature head
 * [13, 4096, 64] × [13, 64, 512] took ~2.9 s that way, ~0.25 s as 13 matmuls). When no gradient is being
 * recorded, modulation, demodulation and the √2 gain are folded into one [C, C] weight per (region,
 * sample) and bias + leaky ReLU are fused into the matmul.
 */
export function localGeneratorsForward(
  config: GeneratorConfig,
  stacked: StackedLocalParams,
  latentsExpanded: tf.Tensor3D,
): LocalGeneratorOutput {
  return tf.tidy(() => {
    const K = config.segDim;
    const L = config.localLayers;
    const n = latentsExpanded.shape[0];
    const D = config.styleDim;
    const P = config.coarseSize ** 2;
    const c = config.localChannel;
    const folded = !isRecordingGradients();
    // [N, K, L, D] → [L, K, N, D]: one [K, N, D] block of styles per layer.
    const perLayer = tf.unstack(tf.transpose(tf.reshape(latentsExpanded, [n, K, L, D]), [2, 1, 0, 3]));
    const regions = Array.from({ length: K }, (_, k) => k);
    // Folded: xs[k·N + j] is [P, C] (region k, sample j); otherwise xs[k] is [N·P, C].
    let xs: tf.Tensor2D[] = folded
      ? regions.flatMap(() => Array.from({ length: n }, () => stacked.positionFeatures))
      : regions.map(() => (n === 1 ? stacked.positionFeatures : (tf.tile(stacked.positionFeatures, [n, 1]) as tf.Tensor2D)));
    let depthsOfRest: tf.Tensor3D | undefined;
    for (let i = 0; i < L; i++) {
      const layer = stacked.layers[i]!;
      const style = tf.add(tf.matMul(perLayer[i] as tf.Tensor3D, layer.modWeight), layer.modBias); // [K, N, C]
      const demod = tf.rsqrt(tf.add(tf.matMul(tf.square(style), tf.square(layer.weight)), 1e-8)); // [K, N, C]
      const actBias = tf.reshape(layer.actBias, [K, c]);
      if (folded) {
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
      } else {
        const styles = tf.unstack(style) as tf.Tensor2D[];
        const demods = tf.unstack(demod) as tf.Tensor2D[];
        const weights = tf.unstack(layer.weight) as tf.Tensor2D[];
        const biases = tf.unstack(actBias) as tf.Tensor1D[];
        xs = xs.map((x, k) => {
          const modulated = tf.mul(tf.reshape(x, [n, P, c]), tf.reshape(styles[k]!, [n, 1, c]));
          const conv = tf.matMul(tf.reshape(modulated, [n * P, c]), weights[k]!);
          const demodulated = tf.reshape(tf.mul(tf.reshape(conv, [n, P, c]), tf.reshape(demods[k]!, [n, 1, c])), [n * P, c]);
          return fusedLeakyRelu(demodulated, biases[k]!) as tf.Tensor2D;
        });
      }
      if (i === config.depthLayers - 1) {
        if (K > 1 && stacked.depthMatrix && stacked.depthBias) {
          const matrices = tf.unstack(stacked.depthMatrix) as tf.Tensor2D[];
          const biases = tf.unstack(tf.reshape(stacked.depthBias, [K - 1, 1])) as tf.Tensor1D[];
          const rest = regions.slice(1).map((k) => {
            const x = folded ? tf.concat(xs.slice(k * n, (k + 1) * n), 0) : xs[k]!;
            return tf.add(tf.matMul(x, matrices[k - 1]!), biases[k - 1]!);
          });
          depthsOfRest = tf.reshape(tf.stack(rest), [K - 1, n, P]) as tf.Tensor3D;
        }
        if (config.detachTexture && i < L - 1) xs = xs.map((x) => stopGradient(x));
      }
    }
    const featMatrices = tf.unstack(stacked.featMatrix) as tf.Tensor2D[];
    const featBiases = rank1Rows(tf.reshape(stacked.featBias, [K, config.coarseChannel]) as tf.Tensor2D);
    const perRegion = folded
      ? xs.map((x, kj) => tf.fused.matMul({ a: x, b: featMatrices[Math.floor(kj / n)]!, bias: featBiases[Math.floor(kj / n)]! }))
      : xs.map((x, k) => tf.add(tf.matMul(x, featMatrices[k]!), featBiases[k]!));
    const features = tf.reshape(tf.stack(perRegion), [K, n, P, config.coarseChannel]) as tf.Tensor4D;
    const background = tf.zeros([1, n, P]) as tf.Tensor3D;
    const depths = depthsOfRest === undefined ? (tf.zeros([K, n, P]) as tf.Tensor3D) : (tf.concat([background, depthsOfRest], 0) as tf.Tensor3D);
    return { depths, features };
  });
}
