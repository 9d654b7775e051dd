import * as tf from '@tensorflow/tfjs';
import { InputError } from '../contract/errors.js';
import type { AdamHyperparameters } from './options.js';

/** One parameter's Adam state (torch's `exp_avg`, `exp_avg_sq`, `step`). */
export interface AdamSlot {
  readonly expAvg: tf.Tensor;
  readonly expAvgSq: tf.Tensor;
  readonly step: number;
}

/**
 * Adam over named tf.Variables with torch's exact update (torch.optim.Adam, no weight decay, no amsgrad):
 *
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  t ← t + 1
 *   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 *
 * State is per parameter and created on its first gradient; a parameter without a gradient in a call
 * is skipped (its step count does not advance), as torch does for parameters whose `.grad` is None.
 * The state is plain tensors, inspectable and saveable (`state`, `setState`).
 */
export class Adam {
  readonly hyper: AdamHyperparameters;
  private readonly params: ReadonlyMap<string, tf.Variable>;
  private readonly slots = new Map<string, AdamSlot>();

  constructor(hyper: AdamHyperparameters, params: Iterable<readonly [string, tf.Variable]>) {
    this.hyper = hyper;
    this.params = new Map(params);
  }

  get names(): string[] {
    return [...this.params.keys()];
  }

  /** Current state (tensors owned by the optimiser: do not dispose). */
  get state(): ReadonlyMap<string, AdamSlot> {
    return this.slots;
  }

  /** Apply one update from gradients keyed by parameter name (missing or null: skipped). */
  step(grads: ReadonlyMap<string, tf.Tensor | null | undefined>): void {
    const { lr, beta1, beta2, eps } = this.hyper;
    for (const [name, grad] of grads) {
      if (grad === null || grad === undefined) continue;
      const param = this.params.get(name);
      if (param === undefined) throw new InputError('E_INVALID_ARGUMENT', `Adam has no parameter named "${name}".`);
      const prev = this.slots.get(name);
      const t = (prev?.step ?? 0) + 1;
      const bc1 = 1 - beta1 ** t;
      const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
      const stepSize = lr / bc1;
      const next = tf.tidy(() => {
        const m0 = prev?.expAvg ?? tf.zerosLike(param);
        const v0 = prev?.expAvgSq ?? tf.zerosLike(param);
        const m = tf.add(tf.mul(m0, beta1), tf.mul(grad, 1 - beta1));
        const v = tf.add(tf.mul(v0, beta2), tf.mul(tf.mul(grad, grad), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), eps);
        const p = tf.sub(param, tf.mul(tf.div(m, denom), stepSize));
        return { m, v, p };
      });
      param.assign(next.p);
      next.p.dispose();
      if (prev) tf.dispose([prev.expAvg, prev.expAvgSq]);
      this.slots.set(name, { expAvg: next.m, expAvgSq: next.v, step: t });
    }
  }

  /** Replace the state (tensors are copied; the caller keeps ownership of its own). */
  setState(state: ReadonlyMap<string, { expAvg: tf.Tensor; expAvgSq: tf.Tensor; step: number }>): void {
    this.clear();
    for (const [name, slot] of state) {
      const param = this.params.get(name);
      if (param === undefined) throw new InputError('E_INVALID_ARGUMENT', `Adam state names unknown parameter "${name}".`);
      if (!tf.util.arraysEqual(slot.expAvg.shape, param.shape) || !tf.util.arraysEqual(slot.expAvgSq.shape, param.shape)) {
        throw new InputError('E_SHAPE', `Adam state of "${name}" has shape [${slot.expAvg.shape.join(', ')}], parameter is [${param.shape.join(', ')}].`);
      }
      this.slots.set(name, { expAvg: tf.clone(slot.expAvg), expAvgSq: tf.clone(slot.expAvgSq), step: slot.step });
    }
  }

  clear(): void {
    for (const slot of this.slots.values()) tf.dispose([slot.expAvg, slot.expAvgSq]);
    this.slots.clear();
  }

  dispose(): void {
    this.clear();
  }
}
