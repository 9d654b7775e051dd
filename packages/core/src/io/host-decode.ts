/**
 * Element decoding shared by the checkpoint readers: raw little-endian bytes → fresh, aligned typed
 * arrays in the HostTensor dtypes, plus the non-finite check. Browser-safe (no Buffer).
 */
import { WeightsError } from '../contract/errors.js';
import type { HostDType, HostTensor } from './host-tensor.js';

/** How elements are laid out in a file. float16 / bfloat16 / float64 are widened or narrowed to float32. */
export type WireDType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int32' | 'int64' | 'bool';

export const WIRE_ITEM_SIZE: Readonly<Record<WireDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int32: 4,
  int64: 8,
  bool: 1,
};

export function hostDTypeOf(wire: WireDType): HostDType {
  switch (wire) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
    case 'float64':
      return 'float32';
    default:
      return wire;
  }
}

// Typed arrays use the host byte order; files are little-endian. Every JS engine in practice is
// little-endian, but a DataView fallback keeps big-endian hosts correct.
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decode `src` (exactly count × itemsize bytes, any alignment) into a new array. The result never
 * aliases `src`, so callers may drop the file buffer afterwards.
 */
export function decodeElements(src: Uint8Array, wire: WireDType, count: number): HostTensor['data'] {
  const expected = count * WIRE_ITEM_SIZE[wire];
  if (src.byteLength !== expected) {
    throw new RangeError(`decodeElements: ${src.byteLength} bytes given, ${expected} expected`);
  }
  switch (wire) {
    case 'float32': {
      const out = new Float32Array(count);
      if (HOST_LITTLE_ENDIAN) new Uint8Array(out.buffer).set(src);
      else {
        const dv = view(src);
        for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, true);
      }
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      if (HOST_LITTLE_ENDIAN) new Uint8Array(out.buffer).set(src);
      else {
        const dv = view(src);
        for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 4, true);
      }
      return out;
    }
    case 'int64': {
      const out = new BigInt64Array(count);
      if (HOST_LITTLE_ENDIAN) new Uint8Array(out.buffer).set(src);
      else {
        const dv = view(src);
        for (let i = 0; i < count; i++) out[i] = dv.getBigInt64(i * 8, true);
      }
      return out;
    }
    case 'bool': {
      // Normalise to 0/1: torch and safetensors store one byte per bool.
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = src[i] === 0 ? 0 : 1;
      return out;
    }
    case 'float16': {
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) {
        const h = src[2 * i]! | (src[2 * i + 1]! << 8);
        const sign = (h & 0x8000) << 16;
        const exp = (h >> 10) & 0x1f;
        const man = h & 0x3ff;
        if (exp === 0) {
          // zero or subnormal: man × 2^-24
          out[i] = (sign ? -1 : 1) * man * 5.960464477539063e-8;
        } else if (exp === 31) {
          bits[i] = (sign | 0x7f800000 | (man << 13)) >>> 0;
        } else {
          bits[i] = (sign | ((exp + 112) << 23) | (man << 13)) >>> 0;
        }
      }
      return out;
    }
    case 'bfloat16': {
      // bfloat16 is the top half of a float32.
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = ((src[2 * i]! | (src[2 * i + 1]! << 8)) << 16) >>> 0;
      return out;
    }
    case 'float64': {
      const out = new Float32Array(count);
      const dv = view(src);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(i * 8, true);
      return out;
    }
  }
}

/** Raw little-endian bytes of a HostTensor's data (a copy on big-endian hosts, a view otherwise). */
export function encodeElements(data: HostTensor['data']): Uint8Array {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return raw;
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) dv.setFloat32(i * 4, data[i]!, true);
    else if (data instanceof Int32Array) dv.setInt32(i * 4, data[i]!, true);
    else if (data instanceof BigInt64Array) dv.setBigInt64(i * 8, data[i]!, true);
  }
  return out;
}

function view(src: Uint8Array): DataView {
  return new DataView(src.buffer, src.byteOffset, src.byteLength);
}

export type NonFinitePolicy = 'allow' | 'warn' | 'error';

/**
 * Apply the non-finite policy to one tensor: 'warn' reports through `onWarning` (console.warn when
 * absent), 'error' throws WeightsError E_WEIGHTS_NON_FINITE naming the tensor.
 */
export function checkFinite(
  name: string,
  tensor: HostTensor,
  policy: NonFinitePolicy,
  onWarning?: (msg: string) => void,
): void {
  if (policy === 'allow' || tensor.dtype !== 'float32') return;
  const data = tensor.data as Float32Array;
  let count = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      if (count === 0) first = i;
      count++;
    }
  }
  if (count === 0) return;
  const msg =
    `Tensor "${name}" (shape [${tensor.shape.join(', ')}]) has ${count} non-finite value(s) ` +
    `(first at flat index ${first}: ${data[first]}).`;
  if (policy === 'error') {
    throw new WeightsError('E_WEIGHTS_NON_FINITE', msg, { details: { name, count, firstIndex: first } });
  }
  (onWarning ?? ((m: string) => console.warn(m)))(msg);
}
