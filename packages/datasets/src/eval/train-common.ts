import * as tf from '@tensorflow/tfjs';

/** Helpers shared by the training scripts (not exported from the package). */

/** Float32 NHWC batch in [−1, 1] from RGB bytes of faces `indices`; `flips[k]` mirrors sample k horizontally. */
export function imageBatch(images: Uint8Array, indices: ArrayLike<number>, flips: ArrayLike<boolean>, size = 64): tf.Tensor4D {
  const px = size * size * 3;
  const out = new Float32Array(indices.length * px);
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k]! * px;
    const dst = k * px;
    if (!flips[k]) {
      for (let i = 0; i < px; i++) out[dst + i] = images[src + i]! / 127.5 - 1;
    } else {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const s = src + (y * size + (size - 1 - x)) * 3;
          const d = dst + (y * size + x) * 3;
          out[d] = images[s]! / 127.5 - 1;
          out[d + 1] = images[s + 1]! / 127.5 - 1;
          out[d + 2] = images[s + 2]! / 127.5 - 1;
        }
      }
    }
  }
  return tf.tensor4d(out, [indices.length, size, size, 3]);
}

/** Int32 label batch [B, size, size] (mirrored like {@link imageBatch}). */
export function labelBatch(labels: Uint8Array, indices: ArrayLike<number>, flips: ArrayLike<boolean>, size = 64): tf.Tensor3D {
  const px = size * size;
  const out = new Int32Array(indices.length * px);
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k]! * px;
    const dst = k * px;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) out[dst + y * size + x] = labels[src + y * size + (flips[k] ? size - 1 - x : x)]!;
    }
  }
  return tf.tensor3d(out, [indices.length, size, size], 'int32');
}

/** Cosine decay from `lr` to `lr · floor` over the run (fraction t ∈ [0, 1]), after a linear warm-up of `warmupSteps`. */
export function learningRate(lr: number, t: number, step: number, warmupSteps = 30, floor = 0.03): number {
  const warm = Math.min(1, (step + 1) / warmupSteps);
  const cos = 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t)));
  return warm * lr * (floor + (1 - floor) * cos);
}

/** Copies of the trainable weights (kept across tidy scopes). */
export function snapshot(model: tf.LayersModel): tf.Tensor[] {
  return model.trainableWeights.map((w) => tf.keep(w.read().clone()));
}

export function restore(model: tf.LayersModel, snap: readonly tf.Tensor[]): void {
  model.trainableWeights.forEach((w, i) => w.write(snap[i]!));
}

export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

export function fmtTime(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Adam whose learning rate can be changed between steps. */
export class AdjustableAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}
