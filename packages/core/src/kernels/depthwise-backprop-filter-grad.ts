import * as tf from '@tensorflow/tfjs';

/**
 * Gradient of `DepthwiseConv2dNativeBackpropFilter` (dW = F(x, dy), bilinear): given ddW,
 * d/dx = DepthwiseConv2dNativeBackpropInput(dy, ddW) and d/ddy = depthwiseConv2d(x, ddW).
 */
export const depthwiseBackpropFilterGradConfig: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs) => {
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const ddw4 = ddw as tf.Tensor4D;
    const { strides, pad, dilations, dimRoundingMode } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    return {
      x: () =>
        tf.engine().runKernel(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy, filter: ddw4 } as unknown as tf.NamedTensorMap,
          { strides, pad, dilations, dimRoundingMode, inputShape: x.shape } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor4D,
      dy: () => tf.depthwiseConv2d(x, ddw4, strides, pad as 'valid', 'NHWC', dilations, dimRoundingMode),
    };
  },
};
