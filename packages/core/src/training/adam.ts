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

  /**
   * Apply one update from gradients keyed by parameter name (missing or null: skipped).
   *
   * Parameters that share a step count share the bias corrections, so each such group is updated at once:
   * its gradients, moments and values are flattened and concatenated, the update runs as one chain of
   * elementwise ops, and the results are split back per parameter. The ops and their order per element are
   * the ones of the per-parameter formula, so the results are bit-identical to updating one parameter at a
   * time — with ~15 kernels per group instead of ~13 per parameter (the generator has ~600 small ones).
   */
  step(grads: ReadonlyMap<string, tf.Tensor | null | undefined>): void {
    const groups = new Map<number, Array<{ name: string; param: tf.Variable; grad: tf.Tensor; prev: AdamSlot | undefined }>>();
    for (const [name, grad] of grads) {
      if (grad === null || grad === undefined) continue;
      const param = this.params.get(name);
      if (param === undefined) throw new InputError('E_INVALID_ARGUMENT', `Adam has no parameter named "${name}".`);
      const prev = this.slots.get(name);
      const t = (prev?.step ?? 0) + 1;
      let group = groups.get(t);
      if (group === undefined) groups.set(t, (group = []));
      group.push({ name, param, grad, prev });
    }
    for (const [t, group] of groups) this.stepGroup(t, group);
  }

  private stepGroup(t: number, group: ReadonlyArray<{ name: string; param: tf.Variable; grad: tf.Tensor; prev: AdamSlot | undefined }>): void {
    const { lr, beta1, beta2, eps } = this.hyper;
    const bc1 = 1 - beta1 ** t;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    const stepSize = lr / bc1;
    const sizes = group.map((e) => e.param.size);
    const next = tf.tidy(() => {
      const flat = (ts: tf.Tensor[]) => (ts.length === 1 ? tf.reshape(ts[0]!, [-1]) : tf.concat(ts.map((x) => tf.reshape(x, [-1])), 0));
      const zeros = (size: number) => tf.zeros([size]);
      const grad = flat(group.map((e) => e.grad));
      const m0 = flat(group.map((e, i) => e.prev?.expAvg ?? zeros(sizes[i]!)));
      const v0 = flat(group.map((e, i) => e.prev?.expAvgSq ?? zeros(sizes[i]!)));
      const m = tf.add(tf.mul(m0, beta1), tf.mul(grad, 1 - beta1));
      const v = tf.add(tf.mul(v0, beta2), tf.mul(tf.mul(grad, grad), 1 - beta2));
      const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), eps);
      const p = tf.sub(flat(group.map((e) => e.param)), tf.mul(tf.div(m, denom), stepSize));
      const split = (x: tf.Tensor) => (group.length === 1 ? [x] : tf.split(x, sizes, 0)).map((piece, i) => tf.reshape(piece, group[i]!.param.shape));
      return { m: split(m), v: split(v), p: split(p) } as unknown as tf.TensorContainerObject;
    }) as unknown as { m: tf.Tensor[]; v: tf.Tensor[]; p: tf.Tensor[] };
    group.forEach((e, i) => {
      e.param.assign(next.p[i]!);
      if (e.prev) tf.dispose([e.prev.expAvg, e.prev.expAvgSq]);
      this.slots.set(e.name, { expAvg: next.m[i]!, expAvgSq: next.v[i]!, step: t });
    });
    tf.dispose(next.p);
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
