import * as tf from '@tensorflow/tfjs';
import { convBackpropInput } from './conv-backprop-impl.js';
import { assertNHWC, withRunner } from './kernel-runner.js';
import { markKernel } from './marker.js';

/**
 * `Conv2DBackpropInput` (inputs `dy`, `filter`; also the forward kernel of `tf.conv2dTranspose`) as one
 * forward convolution of the backend over zero-inserted dy with the flipped, in/out-swapped filter.
 */
export function makeConv2DBackpropInputConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropInput,
    backendName,
    kernelFunc: markKernel(({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      assertNHWC(tf.Conv2DBackpropInput, a.dataFormat);
      return withRunner(backend, backendName, (r) =>
        convBackpropInput(r, tf.Conv2DBackpropInput, dy, filter, a.inputShape, a, false),
      );
    }),
  };
}
