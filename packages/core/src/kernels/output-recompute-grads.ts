import * as tf from '@tensorflow/tfjs';

/**
 * Replacements for tfjs-core gradients that read the op's saved *output* (`outputsToSave`): Exp,
 * Sigmoid, Tanh, Softmax, Pow. The engine saves outputs by cloning them inside the kernel call, so the
 * clone's tape node is recorded *before* the op's own node; when such a gradient is differentiated again
 * (R1 / path-length penalties), the contribution through the saved output reaches the op after the op
 * was already visited and is silently dropped (e.g. d²/dx² exp(x) comes out as half its value). These
 * versions save the input and recompute the output inside the gradient, which differentiates correctly.
 */
export const expGradConfig: tf.GradConfig = {
  kernelName: tf.Exp,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.mul(dy as tf.Tensor, tf.exp(x)) };
  },
};

export const sigmoidGradConfig: tf.GradConfig = {
  kernelName: tf.Sigmoid,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return {
      x: () => {
        const y = tf.sigmoid(x);
        return tf.mul(dy as tf.Tensor, tf.mul(y, tf.sub(tf.scalar(1), y)));
      },
    };
  },
};

export const tanhGradConfig: tf.GradConfig = {
  kernelName: tf.Tanh,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.mul(tf.sub(tf.scalar(1), tf.square(tf.tanh(x))), dy as tf.Tensor) };
  },
};

export const softmaxGradConfig: tf.GradConfig = {
  kernelName: tf.Softmax,
  inputsToSave: ['logits'],
  gradFunc: (dy, saved, attrs) => {
    const [logits] = saved as [tf.Tensor];
    const { dim } = attrs as unknown as tf.SoftmaxAttrs;
    return {
      logits: () => {
        const y = tf.softmax(logits, dim);
        const dyTimesY = tf.mul(dy as tf.Tensor, y);
        return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y));
      },
    };
  },
};

export const powGradConfig: tf.GradConfig = {
  kernelName: tf.Pow,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const g = dy as tf.Tensor;
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const reduceTo = (res: tf.Tensor, shape: number[]): tf.Tensor => {
      const axes = tf.broadcast_util.getReductionAxes(shape, outShape);
      return tf.reshape(axes.length > 0 ? tf.sum(res, axes) : res, shape);
    };
    return {
      a: () => {
        const bf = tf.cast(b, 'float32');
        return reduceTo(tf.mul(g, tf.mul(bf, tf.pow(a, tf.sub(bf, tf.scalar(1))))), a.shape);
      },
      b: () => {
        const logA = tf.where(tf.greater(a, 0), tf.log(a), tf.zerosLike(a));
        return reduceTo(tf.mul(g, tf.mul(tf.pow(a, b), logA)), b.shape);
      },
    };
  },
};

export const outputRecomputeGradConfigs: readonly tf.GradConfig[] = [
  expGradConfig,
  sigmoidGradConfig,
  tanhGradConfig,
  softmaxGradConfig,
  powGradConfig,
];
