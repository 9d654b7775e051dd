import * as tf from '@tensorflow/tfjs';

/**
 * Gradient of `DepthwiseConv2dNativeBackpropInput` (dx = B(dy, W), bilinear): given ddx,
 * d/ddy = depthwiseConv2d(ddx, W) and d/dW = DepthwiseConv2dNativeBackpropFilter(ddx, dy).
 */
export const depthwiseBackpropInputGradConfig: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, saved, attrs) => {
    const [dy, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const ddx4 = ddx as tf.Tensor4D;
    const { strides, pad, dilations, dimRoundingMode } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    return {
      dy: () => tf.depthwiseConv2d(ddx4, filter, strides, pad as 'valid', 'NHWC', dilations, dimRoundingMode),
      filter: () =>
        tf.engine().runKernel(
          tf.DepthwiseConv2dNativeBackpropFilter,
          { x: ddx4, dy } as unknown as tf.NamedTensorMap,
          { strides, pad, dilations, dimRoundingMode, filterShape: filter.shape } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor4D,
    };
  },
};
