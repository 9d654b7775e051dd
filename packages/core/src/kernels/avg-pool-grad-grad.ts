import * as tf from '@tensorflow/tfjs';

/**
 * Gradient of `AvgPoolGrad` (dx = P(dy), linear in dy; `input` only gives the shape). The adjoint of the
 * kernel is a sum over each window divided by the window size, i.e. `avgPool` over ddx zero-padded by
 * the pooling's own padding (exact for every padding, since AvgPoolGrad divides by the full window).
 */
export const avgPoolGradGradConfig: tf.GradConfig = {
  kernelName: tf.AvgPoolGrad,
  inputsToSave: ['input'],
  gradFunc: (ddx, saved, attrs) => {
    const [input] = saved as [tf.Tensor4D];
    const ddx4 = ddx as tf.Tensor4D;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.AvgPoolGradAttrs & {
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    return {
      dy: () => {
        const info = tf.backend_util.computePool2DInfo(
          input.shape,
          filterSize,
          strides,
          1,
          pad as 'valid',
          dimRoundingMode,
        );
        const { top, bottom, left, right } = info.padInfo;
        const padded =
          top === 0 && bottom === 0 && left === 0 && right === 0
            ? ddx4
            : tf.pad(ddx4, [
                [0, 0],
                [top, bottom],
                [left, right],
                [0, 0],
              ]);
        return tf.avgPool(padded, filterSize, strides, 'valid');
      },
      input: () => tf.zerosLike(input),
    };
  },
};
