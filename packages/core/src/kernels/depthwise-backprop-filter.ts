import * as tf from '@tensorflow/tfjs';
import { convBackpropFilter } from './conv-backprop-impl.js';
import { withRunner } from './kernel-runner.js';
import { markKernel } from './marker.js';

/**
 * `DepthwiseConv2dNativeBackpropFilter` (inputs `x`, `dy`) as one depthwise convolution of the backend
 * over a single image whose channels are (batch, channel), with dy as the filter at dilation = stride.
 */
export function makeDepthwiseBackpropFilterConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName,
    kernelFunc: markKernel(({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
      return withRunner(backend, backendName, (r) =>
        convBackpropFilter(r, tf.DepthwiseConv2dNativeBackpropFilter, x, dy, a.filterShape, a, true),
      );
    }),
  };
}
