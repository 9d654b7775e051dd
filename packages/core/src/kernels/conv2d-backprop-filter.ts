import * as tf from '@tensorflow/tfjs';
import { convBackpropFilter } from './conv-backprop-impl.js';
import { assertNHWC, withRunner } from './kernel-runner.js';
import { markKernel } from './marker.js';

/**
 * `Conv2DBackpropFilter` (inputs `x`, `dy`) as one forward convolution of the backend: x with batch and
 * channels swapped, convolved with dy as the filter at dilation = stride.
 */
export function makeConv2DBackpropFilterConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName,
    kernelFunc: markKernel(({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      assertNHWC(tf.Conv2DBackpropFilter, a.dataFormat);
      return withRunner(backend, backendName, (r) =>
        convBackpropFilter(r, tf.Conv2DBackpropFilter, x, dy, a.filterShape, a, false),
      );
    }),
  };
}
