import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import type { FlowConfig } from '../flow/config.js';

/** Change one attribute: set it to `value`, or add `delta` (exactly one of the two). */
export interface AttributeChange {
  /** Index in the condition vector, or a name from the flow's `attributeNames`. */
  readonly attribute: number | string;
  readonly value?: number;
  readonly delta?: number;
}

export function attributeIndex(config: FlowConfig, attribute: number | string): number {
  if (typeof attribute === 'number') {
    if (!Number.isInteger(attribute) || attribute < 0 || attribute >= config.condDim) {
      throw new InputError('E_INVALID_ARGUMENT', `Attribute index ${attribute} is out of range [0, ${config.condDim}).`, { details: { attribute } });
    }
    return attribute;
  }
  const index = config.attributeNames?.indexOf(attribute) ?? -1;
  if (index < 0) {
    throw new InputError('E_INVALID_ARGUMENT', `Unknown attribute "${attribute}". Attributes of this flow: ${(config.attributeNames ?? []).join(', ') || '(unnamed; use indices)'}.`, {
      details: { attribute, attributeNames: config.attributeNames ?? [] },
    });
  }
  return index;
}

/** Target attributes [N, C]: the source with the changes applied (a new tensor). */
export function applyAttributeChanges(config: FlowConfig, source: tf.Tensor2D, changes: readonly AttributeChange[]): tf.Tensor2D {

  const c = config.condDim;
  const set = new Float32Array(c);
  const keep = new Float32Array(c).fill(1);
  const add = new Float32Array(c);
  for (const change of changes) {
    const i = attributeIndex(config, change.attribute);
    const hasValue = change.value !== undefined;
    const hasDelta = change.delta !== undefined;
    if (hasValue === hasDelta) throw new InputError('E_INVALID_ARGUMENT', `Attribute change for ${String(change.attribute)} needs exactly one of value or delta.`);
    const v = (hasValue ? change.value : change.delta)!;
    if (!Number.isFinite(v)) throw new InputError('E_NON_FINITE', `Attribute change for ${String(change.attribute)} is ${v}.`);
    if (hasValue) {
      keep[i] = 0;
      set[i] = v;
      add[i] = 0;
    } else add[i] = add[i]! + v;
  }
  return tf.tidy(() =>
    tf.add(tf.add(tf.mul(source, tf.tensor2d(keep, [1, c])), tf.tensor2d(set, [1, c])), tf.tensor2d(add, [1, c])),
  ) as tf.Tensor2D;
}
