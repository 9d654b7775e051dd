import * as tf from '@tensorflow/tfjs';
import type { DiscriminatorConfig } from '../contract/config.js';
import { convLayer } from '../layers/conv-layer.js';
import { equalLinear } from '../layers/equal-linear.js';
import { makeFirKernel } from '../layers/fir-kernel.js';
import { minibatchStddev } from '../layers/minibatch-stddev.js';
import type { ParameterStore, ParamSpec } from './parameters.js';
import { channelsAt } from './render-net.js';

/**
 * The dual-branch discriminator: an image branch and a segmentation branch (1×1 conv, then ResBlocks with
 * blur downsampling to 4×4), summed at 4×4, minibatch stddev, a 3×3 conv and two linear layers. Without a
 * segmentation input only the image branch runs (domain adaptation).
 */
type Branch = 'convs_img' | 'convs_seg';

function branchSizes(size: number): Array<{ inSize: number; outSize: number }> {
  const blocks = [];
  for (let s = size; s > 4; s /= 2) blocks.push({ inSize: s, outSize: s / 2 });
  return blocks;
}

export function discriminatorParamSpecs(config: DiscriminatorConfig): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const ks = config.blurKernel.length;
  const blur = makeFirKernel(config.blurKernel, 1);
  const fir = (name: string): ParamSpec => ({ name, officialShape: [ks, ks], layout: 'plain', trainable: false, init: { kind: 'fixed', values: blur } });
  const randn = { kind: 'randn' } as const;
  const zeros = { kind: 'constant', value: 0 } as const;
  for (const [branch, size, dim] of [
    ['convs_img', config.imgSize, config.imgDim],
    ['convs_seg', config.segSize, config.segDim],
  ] as const) {
    const c0 = channelsAt(config, size);
    specs.push({ name: `${branch}.0.0.weight`, officialShape: [c0, dim, 1, 1], layout: 'conv', trainable: true, init: randn });
    specs.push({ name: `${branch}.0.1.bias`, officialShape: [c0], layout: 'plain', trainable: true, init: zeros });
    branchSizes(size).forEach(({ inSize, outSize }, b) => {
      const inC = channelsAt(config, inSize);
      const outC = channelsAt(config, outSize);
      const p = `${branch}.${b + 1}`;
      specs.push(
        { name: `${p}.conv1.0.weight`, officialShape: [inC, inC, 3, 3], layout: 'conv', trainable: true, init: randn },
        { name: `${p}.conv1.1.bias`, officialShape: [inC], layout: 'plain', trainable: true, init: zeros },
        fir(`${p}.conv2.0.kernel`),
        { name: `${p}.conv2.1.weight`, officialShape: [outC, inC, 3, 3], layout: 'conv', trainable: true, init: randn },
        { name: `${p}.conv2.2.bias`, officialShape: [outC], layout: 'plain', trainable: true, init: zeros },
        fir(`${p}.skip.0.kernel`),
        { name: `${p}.skip.1.weight`, officialShape: [outC, inC, 1, 1], layout: 'conv', trainable: true, init: randn },
      );
    });
  }
  const c4 = channelsAt(config, 4);
  specs.push(
    { name: 'final_conv.0.weight', officialShape: [c4, c4 + config.stddevFeat, 3, 3], layout: 'conv', trainable: true, init: randn },
    { name: 'final_conv.1.bias', officialShape: [c4], layout: 'plain', trainable: true, init: zeros },
    {
      name: 'final_linear.0.weight',
      officialShape: [c4, c4 * 16],
      layout: { kind: 'flatten-linear', channels: c4, height: 4, width: 4 },
      trainable: true,
      init: randn,
    },
    { name: 'final_linear.0.bias', officialShape: [c4], layout: 'plain', trainable: true, init: zeros },
    { name: 'final_linear.1.weight', officialShape: [1, c4], layout: 'linear', trainable: true, init: randn },
    { name: 'final_linear.1.bias', officialShape: [1], layout: 'plain', trainable: true, init: zeros },
  );
  return specs;
}

function branchForward(config: DiscriminatorConfig, params: ParameterStore, branch: Branch, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const downsample = { kernel: makeFirKernel(config.blurKernel, 1), kernelSize: config.blurKernel.length };
    let out = convLayer(x, { weight: params.get(`${branch}.0.0.weight`), bias: params.get(`${branch}.0.1.bias`) }, { activate: true });
    branchSizes(x.shape[1]).forEach((_, b) => {
      const p = `${branch}.${b + 1}`;
      const input = out;
      const h = convLayer(input, { weight: params.get(`${p}.conv1.0.weight`), bias: params.get(`${p}.conv1.1.bias`) }, { activate: true });
      const main = convLayer(h, { weight: params.get(`${p}.conv2.1.weight`), bias: params.get(`${p}.conv2.2.bias`) }, { activate: true, downsample });
      const skip = convLayer(input, { weight: params.get(`${p}.skip.1.weight`) }, { activate: false, downsample });
      out = tf.mul(tf.add(main, skip), Math.SQRT1_2);
    });
    return out;
  });
}

/** D(image[, seg]) → logits [N, 1]. Inputs NHWC; `seg` is one-hot in {−1, 1} (reals) or raw logits (fakes). */
export function discriminatorForward(
  config: DiscriminatorConfig,
  params: ParameterStore,
  image: tf.Tensor4D,
  seg?: tf.Tensor4D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const n = image.shape[0];
    let out = branchForward(config, params, 'convs_img', image);
    if (seg !== undefined) out = tf.add(out, branchForward(config, params, 'convs_seg', seg));
    out = minibatchStddev(out, config.stddevGroup, config.stddevFeat);
    out = convLayer(out, { weight: params.get('final_conv.0.weight'), bias: params.get('final_conv.1.bias') }, { activate: true });
    const flat = tf.reshape(out, [n, -1]) as tf.Tensor2D;
    const hidden = equalLinear(flat, params.get('final_linear.0.weight'), params.get('final_linear.0.bias'), { activate: true });
    return equalLinear(hidden, params.get('final_linear.1.weight'), params.get('final_linear.1.bias'));
  });
}
