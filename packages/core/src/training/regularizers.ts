import * as tf from '@tensorflow/tfjs';
import '../kernels/register.js';

/**
 * R1 (train.py `d_r1_loss`): gradients of Σ D(real) with respect to the real image (and mask), per-sample
 * sums of squares, batch means. Differentiable with respect to D's weights (second-order), so it can sit
 * inside `tf.variableGrads`. `predict(img, seg?)` is D's forward. Also returns the prediction.
 */
export function r1Penalty(
  predict: (image: tf.Tensor4D, seg?: tf.Tensor4D) => tf.Tensor,
  realImage: tf.Tensor4D,
  realSeg?: tf.Tensor4D,
): { img: tf.Scalar; seg?: tf.Scalar } {
  return tf.tidy(() => {
    const perSample = (g: tf.Tensor) => tf.mean(tf.sum(tf.square(g), [1, 2, 3])) as tf.Scalar;
    if (realSeg === undefined) {
      const gi = tf.grad((x: tf.Tensor) => tf.sum(predict(x as tf.Tensor4D)))(realImage);
      return { img: perSample(gi) };
    }
    const [gi, gs] = tf.grads((x: tf.Tensor, s: tf.Tensor) => tf.sum(predict(x as tf.Tensor4D, s as tf.Tensor4D)))([realImage, realSeg]);
    return { img: perSample(gi!), seg: perSample(gs!) };
  });
}

/** The weighted R1 loss: (γ_img/2·R1_img + γ_seg/2·R1_seg)·d_reg_every. */
export function r1Loss(r1: { img: tf.Scalar; seg?: tf.Scalar }, gammaImg: number, gammaSeg: number, dRegEvery: number): tf.Scalar {
  return tf.tidy(() => {
    let loss = tf.mul(r1.img, gammaImg / 2);
    if (r1.seg !== undefined) loss = tf.add(loss, tf.mul(r1.seg, gammaSeg / 2));
    return tf.mul(loss, Math.max(1, dRegEvery)) as tf.Scalar;
  });
}

export interface PathLengthResult {
  /** mean((path_lengths − path_mean)²), differentiable (also through path_mean, as in train.py). */
  readonly penalty: tf.Scalar;
  /** The new running mean path length (use its value; it is not part of any further graph). */
  readonly pathMean: tf.Scalar;
  /** Per-sample path lengths [N]. */
  readonly pathLengths: tf.Tensor1D;
}

/**
 * Path-length regulariser (train.py `g_path_regularize`): `noise` is randn_like(img)/√(H·W) (the caller
 * draws it, seeded); grad = ∂ Σ(img·noise) / ∂ latents with latents the EXPANDED per-layer styles
 * [N, K·L, D]; path_lengths = √(mean over K·L of Σ over D grad²); path_mean = mean_path_length +
 * decay·(mean(path_lengths) − mean_path_length); penalty = mean((path_lengths − path_mean)²).
 * `render(latents)` is the generator's image as a function of the expanded latents.
 */
export function pathLengthPenalty(
  render: (latents: tf.Tensor3D) => tf.Tensor4D,
  latents: tf.Tensor3D,
  noise: tf.Tensor4D,
  meanPathLength: number,
  decay = 0.01,
): PathLengthResult {
  return tf.tidy(() => {
    const grad = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(render(l as tf.Tensor3D), noise)))(latents);
    const pathLengths = tf.sqrt(tf.mean(tf.sum(tf.square(grad), 2), 1)) as tf.Tensor1D;
    const pathMean = tf.add(meanPathLength, tf.mul(tf.sub(tf.mean(pathLengths), meanPathLength), decay)) as tf.Scalar;
    const penalty = tf.mean(tf.square(tf.sub(pathLengths, pathMean))) as tf.Scalar;
    return { penalty, pathMean, pathLengths };
  });
}

/** The noise image of the path-length regulariser from standard normals: randn / √(H·W). NHWC. */
export function pathLengthNoise(normals: Float32Array, shape: readonly [number, number, number, number]): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.tensor4d(normals, [...shape] as [number, number, number, number]), Math.sqrt(shape[1] * shape[2])) as tf.Tensor4D);
}
