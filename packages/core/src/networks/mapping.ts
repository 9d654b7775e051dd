import * as tf from '@tensorflow/tfjs';
import type { GeneratorConfig } from '../contract/config.js';
import { equalLinear } from '../layers/equal-linear.js';
import { pixelNorm } from '../layers/pixel-norm.js';
import type { ParameterStore, ParamSpec } from './parameters.js';

/** Mapping network Z → W: PixelNorm, then nMlp equalized linear layers with fused leaky ReLU. */
export function mappingParamSpecs(config: GeneratorConfig): ParamSpec[] {
  const specs: ParamSpec[] = [];
  for (let i = 1; i <= config.nMlp; i++) {
    specs.push({
      name: `style.${i}.weight`,
      officialShape: [config.styleDim, config.styleDim],
      layout: 'linear',
      trainable: true,
      init: { kind: 'randn', scale: 1 / config.lrMlp },
    });
    specs.push({
      name: `style.${i}.bias`,
      officialShape: [config.styleDim],
      layout: 'plain',
      trainable: true,
      init: { kind: 'constant', value: 0 },
    });
  }
  return specs;
}

export function mappingForward(config: GeneratorConfig, params: ParameterStore, z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    let x = pixelNorm(z);
    for (let i = 1; i <= config.nMlp; i++) {
      x = equalLinear(x, params.get<tf.Rank.R2>(`style.${i}.weight`), params.get<tf.Rank.R1>(`style.${i}.bias`), {
        lrMul: config.lrMlp,
        activate: true,
      });
    }
    return x;
  });
}
