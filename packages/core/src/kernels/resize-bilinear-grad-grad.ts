import * as tf from '@tensorflow/tfjs';

/**
 * Gradient of `ResizeBilinearGrad` (linear in dy; `images` only gives the shape): the adjoint of the
 * adjoint of a bilinear resize is the resize itself, to dy's spatial size.
 */
export const resizeBilinearGradGradConfig: tf.GradConfig = {
  kernelName: tf.ResizeBilinearGrad,
  inputsToSave: ['images', 'dy'],
  gradFunc: (ddx, saved, attrs) => {
    const [images, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { alignCorners, halfPixelCenters } = attrs as unknown as tf.ResizeBilinearGradAttrs;
    return {
      dy: () =>
        tf.image.resizeBilinear(
          ddx as tf.Tensor4D,
          [dy.shape[1], dy.shape[2]],
          alignCorners,
          halfPixelCenters,
        ),
      images: () => tf.zerosLike(images),
    };
  },
};
