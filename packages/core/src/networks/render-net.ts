import * as tf from '@tensorflow/tfjs';
import type { GeneratorConfig } from '../contract/config.js';
import { ConfigError } from '../contract/errors.js';
import { makeFirKernel } from '../layers/fir-kernel.js';
import { fixedStyledConv } from '../layers/fixed-styled-conv.js';
import { toRgb } from '../layers/to-rgb.js';
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
      rgb = toRgb(x, head('to_rgbs'), rgb, upsample);
      seg = toRgb(x, head('to_segs'), seg, upsample);
      if (config.residualRefine && options.segCoarse !== undefined && stage.size === config.coarseSize) {
        seg = tf.add(seg, options.segCoarse) as tf.Tensor4D;
      }
      if (options.onStage && i < stages.length - 1) options.onStage(stage.size, tf.keep(rgb), tf.keep(seg!));
    });
    return { image: rgb!, seg: seg! };
  });
}
