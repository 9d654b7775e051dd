import * as tf from '@tensorflow/tfjs';

/**
 * Gradient of `Conv2DBackpropFilter` (dW = F(x, dy), bilinear): given ddW,
 * d/dx = Conv2DBackpropInput(dy, ddW) and d/ddy = conv2d(x, ddW).
 */
export const conv2DBackpropFilterGradConfig: tf.GradConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs) => {
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const ddw4 = ddw as tf.Tensor4D;
    const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    return {
      x: () =>
        tf.engine().runKernel(
          tf.Conv2DBackpropInput,
          { dy, filter: ddw4 } as unknown as tf.NamedTensorMap,
          { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor4D,
      dy: () => tf.conv2d(x, ddw4, strides, pad as 'valid', dataFormat, 1, dimRoundingMode),
    };
  },
};
