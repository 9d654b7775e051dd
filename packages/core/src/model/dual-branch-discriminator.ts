import * as tf from '@tensorflow/tfjs';
import type { DiscriminatorConfig, ModelConfig } from '../contract/config.js';
import { validateDiscriminatorConfig } from '../config/validate-config.js';
import type { StateDict } from '../io/host-tensor.js';
import { assertFinite, assertShape } from '../latent/validate.js';
import { discriminatorForward, discriminatorParamSpecs } from '../networks/discriminator.js';
import { initialValues, ParameterStore } from '../networks/parameters.js';
import { parametersFromStateDict, parametersToStateDict, type LoadParametersOptions } from './load-parameters.js';

/** SemanticStyleGAN's dual-branch discriminator (image + segmentation). Inputs NHWC. */
export class DualBranchDiscriminator {
  readonly config: DiscriminatorConfig;
  readonly params: ParameterStore;

  private constructor(config: DiscriminatorConfig, params: ParameterStore) {
    this.config = config;
    this.params = params;
  }

  static random(config: DiscriminatorConfig | ModelConfig, seed = 0): DualBranchDiscriminator {
    const d = validateDiscriminatorConfig('discriminator' in config ? config.discriminator : config);
    const specs = discriminatorParamSpecs(d);
    const values = initialValues(specs, seed);
    try {
      return new DualBranchDiscriminator(d, new ParameterStore(specs, values, 'd.'));
    } finally {
      tf.dispose([...values.values()]);
    }
  }

  static fromStateDict(config: DiscriminatorConfig | ModelConfig, stateDict: StateDict, options: LoadParametersOptions = {}): DualBranchDiscriminator {
    const d = validateDiscriminatorConfig('discriminator' in config ? config.discriminator : config);
    return new DualBranchDiscriminator(d, parametersFromStateDict(discriminatorParamSpecs(d), stateDict, options));
  }

  toStateDict(prefix = ''): Promise<StateDict> {
    return parametersToStateDict(this.params, prefix);
  }

  /**
   * Logits [N, 1] for images [N, H, W, imgDim] and (optionally) segmentations [N, H, W, K]: real masks
   * one-hot in {−1, 1}, fakes as the generator's raw logits. Without `seg` only the image branch runs.
   * Validates its inputs; use `forward` inside training loops.
   */
  predict(image: tf.Tensor4D, seg?: tf.Tensor4D): tf.Tensor2D {
    const c = this.config;
    assertShape('discriminator image', image, [null, c.imgSize, c.imgSize, c.imgDim]);
    assertFinite('discriminator image', image);
    if (seg !== undefined) {
      assertShape('discriminator segmentation', seg, [image.shape[0], c.segSize, c.segSize, c.segDim]);
      assertFinite('discriminator segmentation', seg);
    }
    return this.forward(image, seg);
  }

  /** Differentiable forward, no validation. */
  forward(image: tf.Tensor4D, seg?: tf.Tensor4D): tf.Tensor2D {
    return discriminatorForward(this.config, this.params, image, seg);
  }

  dispose(): void {
    this.params.dispose();
  }
}
