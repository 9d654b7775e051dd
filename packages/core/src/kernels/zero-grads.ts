import * as tf from '@tensorflow/tfjs';

/**
 * Zero gradients for ops whose output is piecewise constant in their inputs (comparisons, logical ops,
 * zerosLike). tfjs-core registers none for most of them, so a second derivative through the gradient of
 * `leakyRelu`, `prelu`, `maximum`, `minimum` or `clipByValue` (which call `greater`, `less`, … on the
 * input) fails with "gradient function not found for Greater". Gradients are float32, as the tape requires.
 */
function zeroGrad(kernelName: string, inputNames: readonly string[]): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: [...inputNames],
    gradFunc: (_dy, saved) => {
      const out: Record<string, () => tf.Tensor> = {};
      inputNames.forEach((name, i) => {
        const t = saved[i] as tf.Tensor;
        out[name] = () => tf.zeros(t.shape, 'float32');
      });
      return out;
    },
  };
}

const BINARY = ['a', 'b'] as const;

export const zeroGradConfigs: readonly tf.GradConfig[] = [
  zeroGrad(tf.Greater, BINARY),
  zeroGrad(tf.GreaterEqual, BINARY),
  zeroGrad(tf.Less, BINARY),
  zeroGrad(tf.LessEqual, BINARY),
  zeroGrad(tf.Equal, BINARY),
  zeroGrad(tf.NotEqual, BINARY),
  zeroGrad(tf.LogicalAnd, BINARY),
  zeroGrad(tf.LogicalOr, BINARY),
  zeroGrad(tf.LogicalXor, BINARY),
  zeroGrad(tf.LogicalNot, ['x']),
  zeroGrad(tf.ZerosLike, ['x']),
];
