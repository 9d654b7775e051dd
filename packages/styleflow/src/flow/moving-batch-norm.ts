import * as tf from '@tensorflow/tfjs';
import { variableFrom } from './params.js';

/**
 * FFJORD's MovingBatchNorm1d (bn_lag = 0): in training, y = (x − μ_B) / √(σ²_B + ε) · e^w + b with the
 * batch mean and (unbiased) variance, and the running statistics move toward them by `decay`; in eval
 * mode μ, σ² are the running statistics, so the layer is a fixed affine map. Its log-determinant
 * Σ_d (w_d − ½ log(σ²_d + ε)) is the same for every sample.
 */
export class MovingBatchNorm {
  readonly dim: number;
  readonly eps: number;
  readonly decay: number;
  /** Log-scale w (trainable, init 0). */
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  /** Batch statistics of the last training-mode forward pass, waiting for `commitRunningStats`. */
  private pending: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null = null;

  constructor(dim: number, eps = 1e-4, decay = 0.1) {
    this.dim = dim;
    this.eps = eps;
    this.decay = decay;
    this.weight = variableFrom(tf.zeros([dim]), true);
    this.bias = variableFrom(tf.zeros([dim]), true);
    this.runningMean = variableFrom(tf.zeros([dim]), false);
    this.runningVar = variableFrom(tf.ones([dim]), false);
  }

  parameters(prefix: string): [string, tf.Variable][] {
    return [
      [`${prefix}.weight`, this.weight],
      [`${prefix}.bias`, this.bias],
    ];
  }

  buffers(prefix: string): [string, tf.Variable][] {
    return [
      [`${prefix}.running_mean`, this.runningMean],
      [`${prefix}.running_var`, this.runningVar],
    ];
  }

  /** x → y and log|det ∂y/∂x| (a scalar, the same for every sample). */
  forward(x: tf.Tensor2D, training: boolean): { y: tf.Tensor2D; logDet: tf.Scalar } {
    return tf.tidy(() => {
      let mean: tf.Tensor = this.runningMean;
      let variance: tf.Tensor = this.runningVar;
      if (training) {
        const n = x.shape[0];
        mean = tf.mean(x, 0);
        variance = tf.div(tf.sum(tf.square(tf.sub(x, mean)), 0), Math.max(1, n - 1));
        this.setPending(tf.keep(tf.clone(mean)) as tf.Tensor1D, tf.keep(tf.clone(variance)) as tf.Tensor1D);
      }
      const logScale = tf.sub(this.weight, tf.mul(0.5, tf.log(tf.add(variance, this.eps))));
      const y = tf.add(tf.mul(tf.sub(x, mean), tf.exp(logScale)), this.bias) as tf.Tensor2D;
      return { y, logDet: tf.sum(logScale) as tf.Scalar };
    });
  }

  /** y → x with the running statistics; log|det ∂x/∂y|. */
  inverse(y: tf.Tensor2D): { x: tf.Tensor2D; logDet: tf.Scalar } {
    return tf.tidy(() => {
      const logScale = tf.sub(this.weight, tf.mul(0.5, tf.log(tf.add(this.runningVar, this.eps))));
      const x = tf.add(tf.mul(tf.sub(y, this.bias), tf.exp(tf.neg(logScale))), this.runningMean) as tf.Tensor2D;
      return { x, logDet: tf.neg(tf.sum(logScale)) as tf.Scalar };
    });
  }

  private setPending(mean: tf.Tensor1D, variance: tf.Tensor1D): void {
    if (this.pending) tf.dispose([this.pending.mean, this.pending.variance]);
    this.pending = { mean, variance };
  }

  /** Move the running statistics toward the last training batch's (call after the optimiser step). */
  commitRunningStats(): void {
    if (!this.pending) return;
    const { mean, variance } = this.pending;
    tf.tidy(() => {
      this.runningMean.assign(tf.sub(this.runningMean, tf.mul(tf.sub(this.runningMean, mean), this.decay)));
      this.runningVar.assign(tf.sub(this.runningVar, tf.mul(tf.sub(this.runningVar, variance), this.decay)));
    });
    tf.dispose([mean, variance]);
    this.pending = null;
  }

  discardPending(): void {
    if (this.pending) tf.dispose([this.pending.mean, this.pending.variance]);
    this.pending = null;
  }

  dispose(): void {
    this.discardPending();
    tf.dispose([this.weight, this.bias, this.runningMean, this.runningVar]);
  }
}
