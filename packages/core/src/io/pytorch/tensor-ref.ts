/**
 * Lazy references to torch storages and tensors inside a checkpoint. Nothing is read until
 * `materialize()`; then the view (offset, arbitrary strides) is gathered into a fresh C-contiguous
 * HostTensor. float16 / bfloat16 / float64 become float32 (float64 with a warning: precision loss).
 */
import { CheckpointError } from '../../contract/errors.js';
import { decodeElements, hostDTypeOf, WIRE_ITEM_SIZE, type WireDType } from '../host-decode.js';
import { shapeSize, type HostDType, type HostTensor } from '../host-tensor.js';

/** A torch storage class as named in the pickle (FloatStorage…) and how its elements are encoded. */
export interface StorageType {
  /** e.g. 'FloatStorage'. */
  readonly name: string;
  /** undefined: known to torch but not readable here (uint8, int8, int16, complex, untyped). */
  readonly wire: WireDType | undefined;
  readonly itemSize: number;
}

/** One storage (zip member `<root>/data/<key>`), possibly shared by several tensors. */
export class TorchStorageRef {
  constructor(
    readonly key: string,
    readonly type: StorageType,
    /** Element count recorded in the pickle. */
    readonly numel: number,
    readonly location: string,
    private readonly load: () => Uint8Array,
  ) {}

  /** The storage's raw bytes (zero-copy for stored zip members), checked against the recorded size. */
  bytes(): Uint8Array {
    const raw = this.load();
    const need = this.numel * this.type.itemSize;
    if (raw.byteLength < need) {
      throw new CheckpointError(
        'E_CHECKPOINT_CORRUPT',
        `storage "${this.key}" (${this.type.name}) is ${raw.byteLength} bytes, its ${this.numel} elements need ${need}.`,
        { details: { storage: this.key, bytes: raw.byteLength, numel: this.numel } },
      );
    }
    return raw;
  }
}

export interface MaterializeOptions {
  /** Tensor name for error messages. */
  name?: string;
  onWarning?: (msg: string) => void;
}

/** What `_rebuild_tensor_v2(storage, storage_offset, size, stride, …)` describes. */
export class TorchTensorRef {
  constructor(
    readonly storage: TorchStorageRef,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    readonly requiresGrad: boolean,
  ) {}

  /** The HostTensor dtype this tensor materialises to; undefined when it cannot be read. */
  get dtype(): HostDType | undefined {
    const w = this.storage.type.wire;
    return w === undefined ? undefined : hostDTypeOf(w);
  }

  get numel(): number {
    return shapeSize(this.shape);
  }

  isContiguous(): boolean {
    let expected = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      const size = this.shape[d]!;
      if (size !== 1 && this.stride[d] !== expected) return false;
      expected *= size;
    }
    return true;
  }

  materialize(options: MaterializeOptions = {}): HostTensor {
    const name = options.name ?? '<tensor>';
    const { type, key } = this.storage;
    const wire = type.wire;
    if (wire === undefined) {
      throw new CheckpointError(
        'E_UNSUPPORTED_DTYPE',
        `tensor "${name}" uses ${type.name} (storage "${key}"); supported: float32, float16, bfloat16, float64, int64, int32, bool.`,
        { details: { name, storageType: type.name } },
      );
    }
    const dtype = hostDTypeOf(wire);
    const count = this.numel;
    // Typed arrays top out near 2^32 elements; a broadcast view (stride 0) could claim far more.
    if (count > MAX_ELEMENTS) {
      throw new CheckpointError(
        'E_CHECKPOINT_FORMAT',
        `tensor "${name}" has ${count} elements (shape [${this.shape.join(', ')}]), more than can be materialised.`,
        { details: { name, shape: this.shape } },
      );
    }
    if (count === 0) return { dtype, shape: this.shape.slice(), data: decodeElements(new Uint8Array(0), wire, 0) };

    // One past the last storage element the view touches (strides are non-negative in torch).
    let needed = this.storageOffset + 1;
    for (let d = 0; d < this.shape.length; d++) needed += (this.shape[d]! - 1) * this.stride[d]!;
    if (needed > this.storage.numel) {
      throw new CheckpointError(
        'E_CHECKPOINT_CORRUPT',
        `storage "${key}" holds ${this.storage.numel} elements, tensor "${name}" needs ${needed} ` +
          `(offset ${this.storageOffset}, shape [${this.shape.join(', ')}], stride [${this.stride.join(', ')}]).`,
        { details: { name, storage: key, storageNumel: this.storage.numel, needed } },
      );
    }
    const raw = this.storage.bytes();
    const size = WIRE_ITEM_SIZE[wire];
    if (wire === 'float64') {
      (options.onWarning ?? ((m: string) => console.warn(m)))(`tensor "${name}" is float64; converted to float32 (precision is lost).`);
    }
    if (this.isContiguous()) {
      const begin = this.storageOffset * size;
      return { dtype, shape: this.shape.slice(), data: decodeElements(raw.subarray(begin, begin + count * size), wire, count) };
    }
    // Non-contiguous view: decode the span it touches, then gather in C order.
    const span = needed - this.storageOffset;
    const src = decodeElements(raw.subarray(this.storageOffset * size, needed * size), wire, span) as unknown as Indexable;
    const out = decodeElements(new Uint8Array(count * size), wire, count);
    gather(src, out as unknown as Indexable, this.shape, this.stride);
    return { dtype, shape: this.shape.slice(), data: out };
  }
}

const MAX_ELEMENTS = 2 ** 31 - 1;

type Indexable = { [i: number]: unknown };

/** Copy a strided view of `src` (offset 0) into `out` in C order. */
function gather(src: Indexable, out: Indexable, shape: readonly number[], stride: readonly number[]): void {
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  const lastSize = shape[rank - 1]!;
  const lastStride = stride[rank - 1]!;
  let srcBase = 0;
  let o = 0;
  const total = shapeSize(shape);
  while (o < total) {
    // Innermost dimension in a tight loop; the odometer advances the outer ones.
    for (let i = 0, s = srcBase; i < lastSize; i++, s += lastStride) out[o++] = src[s];
    let d = rank - 2;
    for (; d >= 0; d--) {
      idx[d]!++;
      srcBase += stride[d]!;
      if (idx[d]! < shape[d]!) break;
      srcBase -= idx[d]! * stride[d]!;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
}
