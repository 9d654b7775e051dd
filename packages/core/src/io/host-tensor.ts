/**
 * A tensor held in host memory, outside tfjs: what checkpoint readers produce and writers consume.
 * Layout is whatever the file format uses (official PyTorch files: NCHW / OIHW, C-contiguous).
 */
export type HostDType = 'float32' | 'int32' | 'int64' | 'bool';

export interface HostTensor {
  readonly dtype: HostDType;
  readonly shape: readonly number[];
  /** float32 → Float32Array; int32 → Int32Array; int64 → BigInt64Array; bool → Uint8Array. */
  readonly data: Float32Array | Int32Array | BigInt64Array | Uint8Array;
}

/** Named tensors in a fixed order (the order of the file or of the model's state dict). */
export type StateDict = Map<string, HostTensor>;

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
