import * as tf from '@tensorflow/tfjs';
import type { GeneratorConfig } from '../contract/config.js';
import { ConfigError } from '../contract/errors.js';
import { makeFirKernel } from '../layers/fir-kernel.js';
import { fixedStyledConv } from '../layers/fixed-styled-conv.js';
import { toRgb, toRgbMatrix } from '../layers/to-rgb.js';
import { fixedStyledWeight } from '../layers/fixed-styled-conv.js';
import { phaseKernels, upsampleConvFromPhases, upsampleConvGeometry, type PhaseKernels } from '../layers/upsample-conv.js';
import { upfirdn2d } from '../layers/upfirdn2d.js';
import { isRecordingGradients } from '../layers/tape.js';
import type { ParameterStore, ParamSpec } from './parameters.js';
import type { NoiseMode } from '../contract/generator-v1.js';
import { seededNormal } from '../latent/random.js';

/**
 * The render net R: StyleGAN2 synthesis without style input, from the fused coarse feature (pooled to
 * minFeatSize) to full resolution, with RGB and segmentation skip branches.
 */
export interface RenderStage {
  /** Output resolution of the stage. */
  readonly size: number;
  readonly inChannels: number;
  readonly outChannels: number;
  /** The full-resolution coarse feature is concatenated to this stage's input. */
  readonly concatCoarse: boolean;
}

export function channelsAt(config: { channels: Readonly<Record<number, number>> }, size: number): number {
  const c = config.channels[size];
  if (c === undefined) {
    throw new ConfigError('E_CONFIG', `The channel table has no width for resolution ${size} (table: ${JSON.stringify(config.channels)}).`);
  }
  return c;
}

export function renderStages(config: GeneratorConfig): RenderStage[] {
  const stages: RenderStage[] = [];
  const nStages = Math.round(Math.log2(config.size) - Math.log2(config.minFeatSize));
  let inChannels = config.coarseChannel;
  for (let i = 0; i < nStages; i++) {
    const size = config.minFeatSize * 2 ** (i + 1);
    const concatCoarse = size / 2 === config.coarseSize;
    if (concatCoarse) inChannels += config.coarseChannel;
    const outChannels = channelsAt(config, size);
    stages.push({ size, inChannels, outChannels, concatCoarse });
    inChannels = outChannels;
  }
  return stages;
}

export function renderNetParamSpecs(config: GeneratorConfig): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const kernelSize = config.blurKernel.length;
  const upKernel = makeFirKernel(config.blurKernel, 2);
  const fir = (name: string): ParamSpec => ({
    name,
    officialShape: [kernelSize, kernelSize],
    layout: 'plain',
    trainable: false,
    init: { kind: 'fixed', values: upKernel },
  });
  renderStages(config).forEach((stage, i) => {
    for (const j of [2 * i, 2 * i + 1]) {
      const inC = j === 2 * i ? stage.inChannels : stage.outChannels;
      const p = `render_net.convs.${j}`;
      specs.push({ name: `${p}.weight`, officialShape: [stage.outChannels, inC, 3, 3], layout: 'conv', trainable: true, init: { kind: 'randn' } });
      specs.push({ name: `${p}.modulation`, officialShape: [1, inC, 1, 1], layout: 'channel', trainable: true, init: { kind: 'constant', value: 1 } });
      if (j === 2 * i) specs.push(fir(`${p}.blur.kernel`));
      specs.push({ name: `${p}.noise.weight`, officialShape: [1], layout: 'plain', trainable: true, init: { kind: 'constant', value: 0 } });
      specs.push({ name: `${p}.activate.bias`, officialShape: [stage.outChannels], layout: 'plain', trainable: true, init: { kind: 'constant', value: 0 } });
    }
  });
  renderStages(config).forEach((stage, i) => {
    for (const j of [2 * i, 2 * i + 1]) {
      specs.push({ name: `render_net.noises.noise_${j}`, officialShape: [1, 1, stage.size, stage.size], layout: 'noise', trainable: false, init: { kind: 'randn' } });
    }
  });
  for (const [head, outC] of [['to_rgbs', 3], ['to_segs', config.segDim]] as const) {
    renderStages(config).forEach((stage, i) => {
      const p = `render_net.${head}.${i}`;
      specs.push({ name: `${p}.bias`, officialShape: [1, outC, 1, 1], layout: 'channel', trainable: true, init: { kind: 'constant', value: 0 } });
      specs.push(fir(`${p}.upsample.kernel`));
      specs.push({ name: `${p}.conv.weight`, officialShape: [outC, stage.outChannels, 1, 1], layout: 'conv1x1-matrix', trainable: true, init: { kind: 'randn' } });
      specs.push({ name: `${p}.conv.modulation`, officialShape: [1, stage.outChannels, 1, 1], layout: 'channel', trainable: true, init: { kind: 'constant', value: 1 } });
    });
  }
  return specs;
}

export interface RenderOptions {
  readonly noise: NoiseMode;
  readonly noiseSeed?: number;
  /** seg_coarse [N, coarse, coarse, K], added to the seg branch when residualRefine is on. */
  readonly segCoarse?: tf.Tensor4D;
  /** Receives the running rgb / seg after each stage but the last (for parity tests). */
  readonly onStage?: (size: number, rgb: tf.Tensor4D, seg: tf.Tensor4D) => void;
}

export function renderNetForward(
  config: GeneratorConfig,
  params: ParameterStore,
  feature: tf.Tensor4D,
  options: RenderOptions,
): { image: tf.Tensor4D; seg: tf.Tensor4D } {
  const folded = activeFolded !== undefined && activeFolded.params === params && activeFolded.folded.version === params.version && !isRecordingGradients()
    ? activeFolded.folded
    : undefined;
  return tf.tidy(() => {
    const kernelSize = config.blurKernel.length;
    const upKernel = makeFirKernel(config.blurKernel, 2);
    const upsample = { kernel: upKernel, kernelSize };
    const n = feature.shape[0];
    const factor = config.coarseSize / config.minFeatSize;
    let x: tf.Tensor4D = factor === 1 ? feature : tf.avgPool(feature, factor, factor, 'valid');
    let rgb: tf.Tensor4D | undefined;
    let seg: tf.Tensor4D | undefined;
    const stages = renderStages(config);
    stages.forEach((stage, i) => {
      if (stage.concatCoarse) x = tf.concat([x, feature], 3);
      for (const j of [2 * i, 2 * i + 1]) {
        const p = `render_net.convs.${j}`;
        let noise: tf.Tensor4D | undefined;
        if (options.noise === 'const') noise = params.get<tf.Rank.R4>(`render_net.noises.noise_${j}`);
        else if (options.noise === 'random') {
          const shape: [number, number, number, number] = [n, stage.size, stage.size, 1];
          noise = (options.noiseSeed === undefined ? tf.randomNormal(shape) : seededNormal(shape, options.noiseSeed * 131 + j)) as tf.Tensor4D;
        }
        if (folded !== undefined) {
          x = foldedConv(x, folded.convs[j]!, upsample, noise, options.noise === 'const');
          continue;
        }
        x = fixedStyledConv(
          x,
          {
            weight: params.get<tf.Rank.R4>(`${p}.weight`),
            modulation: params.get<tf.Rank.R1>(`${p}.modulation`),
            noiseStrength: params.get<tf.Rank.R1>(`${p}.noise.weight`),
            activationBias: params.get<tf.Rank.R1>(`${p}.activate.bias`),
          },
          { demodulate: true, ...(j === 2 * i ? { upsample } : {}), ...(noise ? { noise } : {}) },
        );
      }
      const head = (name: string) => ({
        weight: params.get<tf.Rank.R2>(`render_net.${name}.${i}.conv.weight`),
        modulation: params.get<tf.Rank.R1>(`render_net.${name}.${i}.conv.modulation`),
        bias: params.get<tf.Rank.R1>(`render_net.${name}.${i}.bias`),
      });
      if (folded !== undefined) {
        rgb = foldedHead(x, folded.heads[i]!.rgb, rgb, upsample);
        seg = foldedHead(x, folded.heads[i]!.seg, seg, upsample);
      } else {
        rgb = toRgb(x, head('to_rgbs'), rgb, upsample);
        seg = toRgb(x, head('to_segs'), seg, upsample);
      }
      if (config.residualRefine && options.segCoarse !== undefined && stage.size === config.coarseSize) {
        seg = tf.add(seg, options.segCoarse) as tf.Tensor4D;
      }
      if (options.onStage && i < stages.length - 1) options.onStage(stage.size, tf.keep(rgb), tf.keep(seg!));
    });
    return { image: rgb!, seg: seg! };
  });
}

// ---------------------------------------------------------------------------------------------------
// Inference: weights folded once per model (modulation, 1/√fan_in, demodulation, the activation's √2
// gain; phase kernels of the upsampling convs; ToRGB / ToSeg matrices), biases fused into the convs.

interface FoldedConv {
  /** Stride-1 conv: the effective HWIO weight × √2. */
  readonly weight?: tf.Tensor4D;
  /** Upsampling conv: phase kernels of the effective weight × √2, and its kernel size. */
  readonly phases?: PhaseKernels;
  readonly kernelSize: number;
  /** √2 · activation bias [out]. */
  readonly bias: tf.Tensor1D;
  /** √2 · noise strength [1]. */
  readonly noiseScale: tf.Tensor1D;
  /** √2 · strength · the const noise buffer [1, H, W, 1]. */
  readonly constNoise: tf.Tensor4D;
}

interface FoldedHead {
  readonly matrix: tf.Tensor2D;
  readonly bias: tf.Tensor1D;
}

/** The render net's inference constants; valid while `params.version` equals `version`. */
export interface FoldedRenderNet {
  readonly version: number;
  readonly convs: readonly FoldedConv[];
  readonly heads: ReadonlyArray<{ readonly rgb: FoldedHead; readonly seg: FoldedHead }>;
  readonly tensors: tf.Tensor[];
}

/** Fold the render net's weights for inference (the caller owns the result: `disposeFoldedRenderNet`). */
export function foldRenderNet(config: GeneratorConfig, params: ParameterStore): FoldedRenderNet {
  const tensors: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    tensors.push(tf.keep(t));
    return t;
  };
  const version = params.version;
  const convs: FoldedConv[] = [];
  const heads: Array<{ rgb: FoldedHead; seg: FoldedHead }> = [];
  tf.tidy(() => {
    renderStages(config).forEach((stage, i) => {
      for (const j of [2 * i, 2 * i + 1]) {
        const p = `render_net.convs.${j}`;
        const weight = tf.mul(
          fixedStyledWeight({ weight: params.get<tf.Rank.R4>(`${p}.weight`), modulation: params.get<tf.Rank.R1>(`${p}.modulation`) }, true),
          Math.SQRT2,
        ) as tf.Tensor4D;
        const k = weight.shape[0];
        const scale = tf.mul(params.get<tf.Rank.R1>(`${p}.noise.weight`), Math.SQRT2) as tf.Tensor1D;
        const common = {
          kernelSize: k,
          bias: keep(tf.mul(params.get<tf.Rank.R1>(`${p}.activate.bias`), Math.SQRT2) as tf.Tensor1D),
          noiseScale: keep(scale),
          constNoise: keep(tf.mul(params.get<tf.Rank.R4>(`render_net.noises.noise_${j}`), scale) as tf.Tensor4D),
        };
        if (j === 2 * i && k >= 2) {
          const phases = phaseKernels(weight);
          phases.kernels.forEach(keep);
          convs.push({ ...common, phases });
        } else {
          convs.push({ ...common, weight: keep(weight) });
        }
      }
      const head = (name: string): FoldedHead => ({
        matrix: keep(
          toRgbMatrix({
            weight: params.get<tf.Rank.R2>(`render_net.${name}.${i}.conv.weight`),
            modulation: params.get<tf.Rank.R1>(`render_net.${name}.${i}.conv.modulation`),
            bias: params.get<tf.Rank.R1>(`render_net.${name}.${i}.bias`),
          }),
        ),
        // A fresh rank-1 buffer (wasm fused kernels check the rank of the data, not of the view).
        bias: keep(tf.mul(tf.reshape(params.get(`render_net.${name}.${i}.bias`), [-1]), 1) as tf.Tensor1D),
      });
      heads.push({ rgb: head('to_rgbs'), seg: head('to_segs') });
    });
  });
  return { version, convs, heads, tensors };
}

export function disposeFoldedRenderNet(folded: FoldedRenderNet): void {
  tf.dispose(folded.tensors);
}

let activeFolded: { params: ParameterStore; folded: FoldedRenderNet } | undefined;

/**
 * Run `fn` with `folded` as the render net's inference weights for `params`: `renderNetForward` uses them
 * while no gradient is recorded and `params.version` has not changed since they were folded.
 */
export function withFoldedRenderNet<T>(params: ParameterStore, folded: FoldedRenderNet, fn: () => T): T {
  const previous = activeFolded;
  activeFolded = { params, folded };
  try {
    return fn();
  } finally {
    activeFolded = previous;
  }
}

function foldedConv(
  x: tf.Tensor4D,
  conv: FoldedConv,
  upsample: { kernel: Float32Array; kernelSize: number },
  noise: tf.Tensor4D | undefined,
  constNoise: boolean,
): tf.Tensor4D {
  let out: tf.Tensor4D;
  const k = conv.kernelSize;
  if (conv.phases !== undefined) {
    const { extra } = upsampleConvGeometry(x.shape[1], k);
    const upsampled = upsampleConvFromPhases(x, conv.phases, k);
    const p = upsample.kernelSize - 2 - (k - 1);
    const pad0 = Math.floor((p + 1) / 2) + 1;
    const pad1 = Math.floor(p / 2) + 1 - extra;
    out = tf.add(upfirdn2d(upsampled, upsample.kernel, upsample.kernelSize, { pad: [pad0, pad1] }), conv.bias);
  } else {
    const pad = Math.floor(k / 2);
    out = tf.fused.conv2d({
      x,
      filter: conv.weight!,
      strides: 1,
      pad: [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ],
      bias: conv.bias,
    }) as tf.Tensor4D;
  }
  if (noise !== undefined) out = tf.add(out, constNoise ? conv.constNoise : tf.mul(noise, conv.noiseScale));
  // lrelu(√2 z) = √2 lrelu(z): the gain is in the weights and biases.
  return tf.leakyRelu(out, 0.2);
}

function foldedHead(x: tf.Tensor4D, head: FoldedHead, skip: tf.Tensor4D | undefined, upsample: { kernel: Float32Array; kernelSize: number }): tf.Tensor4D {
  const [n, h, w, inC] = x.shape;
  const outC = head.matrix.shape[1];
  let out = tf.reshape(tf.fused.matMul({ a: tf.reshape(x, [n * h * w, inC]), b: head.matrix, bias: head.bias }), [n, h, w, outC]) as tf.Tensor4D;
  if (skip !== undefined) {
    const p = upsample.kernelSize - 2;
    out = tf.add(out, upfirdn2d(skip, upsample.kernel, upsample.kernelSize, { up: 2, pad: [Math.floor((p + 1) / 2) + 1, Math.floor(p / 2)] }));
  }
  return out;
}
