import * as tf from '@tensorflow/tfjs';

/**
 * True while tfjs is recording a gradient tape (inside `tf.grad`, `tf.grads`, `tf.variableGrads`,
 * `optimizer.minimize`, …). Inference-only fast paths (fused activations without gradients, weights folded
 * and cached as constants) are taken only when this is false. Reads the engine's `state.gradientDepth`
 * (tfjs-core 4.22 internals; the package pins that version).
 */
export function isRecordingGradients(): boolean {
  const engine = tf.engine() as unknown as { state?: { gradientDepth?: number } };
  const depth = engine.state?.gradientDepth;
  return depth === undefined ? true : depth > 0;
}
