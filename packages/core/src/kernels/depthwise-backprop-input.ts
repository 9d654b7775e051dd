import * as tf from '@tensorflow/tfjs';
import { convBackpropInput } from './conv-backprop-impl.js';
import { withRunner } from './kernel-runner.js';
import { markKernel } from './marker.js';

/**
 * `DepthwiseConv2dNativeBackpropInput` (inputs `dy`, `filter`) as one depthwise convolution of the
 * backend over zero-inserted dy with the flipped filter (multiplier > 1: summed over the multiplier).
 */
export function makeDepthwiseBackpropInputConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName,
    kernelFunc: markKernel(({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
      return withRunner(backend, backendName, (r) =>
        convBackpropInput(r, tf.DepthwiseConv2dNativeBackpropInput, dy, filter, a.inputShape, a, true),
      );
    }),
  };
}
