/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors), browser-safe.
 *
 * Layout: u64 LE header length N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`, then the data
 * buffer; offsets are relative to the start of the data buffer.
 *
 * Error codes: E_CHECKPOINT_CORRUPT for sizes/offsets that do not add up (truncation, overlaps),
 * E_CHECKPOINT_FORMAT for a header that is not valid safetensors JSON, E_CHECKPOINT_UNSAFE for a
 * header over `maxHeaderBytes` (a resource limit, refused before anything is allocated),
 * E_UNSUPPORTED_DTYPE for dtypes other than F32/F16/BF16/I32/I64/BOOL.
 */
import { CheckpointError, InputError } from '../contract/errors.js';
import {
  checkFinite,
  decodeElements,
  encodeElements,
  hostDTypeOf,
  WIRE_ITEM_SIZE,
  type NonFinitePolicy,
  type WireDType,
} from './host-decode.js';
import { shapeSize, type HostDType, type HostTensor, type StateDict } from './host-tensor.js';

export interface ReadSafetensorsOptions {
  /** Largest JSON header accepted, in bytes. Default 100 MiB (the reference implementation's limit). */
  maxHeaderBytes?: number;
  /** What to do with NaN / ±Infinity in float tensors. Default 'allow'. */
  nonFinite?: NonFinitePolicy;
  /** Receives warnings (nonFinite: 'warn'); console.warn when absent. */
  onWarning?: (msg: string) => void;
}

export interface SafetensorsFile {
  /** Tensors in data-offset order (which is header order for files written by the reference code). */
  tensors: StateDict;
  /** `__metadata__` (string → string); empty when the file has none. */
  metadata: Record<string, string>;
}

const DEFAULT_MAX_HEADER = 100 * 1024 * 1024;
const METADATA_KEY = '__metadata__';

const SUPPORTED: Readonly<Record<string, WireDType>> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I32: 'int32',
  I64: 'int64',
  BOOL: 'bool',
};

const WRITE_DTYPE: Readonly<Record<HostDType, string>> = {
  float32: 'F32',
  int32: 'I32',
  int64: 'I64',
  bool: 'BOOL',
};

interface Entry {
  name: string;
  wire: WireDType;
  shape: number[];
  begin: number;
  end: number;
  headerIndex: number;
}

export function readSafetensors(bytes: Uint8Array, options: ReadSafetensorsOptions = {}): SafetensorsFile {
  const maxHeader = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER;
  if (bytes.byteLength < 8) {
    throw corrupt(`safetensors file is ${bytes.byteLength} bytes, too short for the 8-byte header length.`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = dv.getBigUint64(0, true);
  // Check the limit on the BigInt, before converting: a hostile length may not fit a Number.
  if (headerLen > BigInt(maxHeader)) {
    throw new CheckpointError(
      'E_CHECKPOINT_UNSAFE',
      `safetensors header length ${headerLen} exceeds the limit of ${maxHeader} bytes (maxHeaderBytes).`,
      { details: { headerLength: headerLen.toString(), maxHeaderBytes: maxHeader } },
    );
  }
  if (headerLen > BigInt(bytes.byteLength - 8)) {
    throw corrupt(
      `safetensors header length ${headerLen} is larger than the ${bytes.byteLength - 8} bytes after it (truncated file?).`,
      { headerLength: Number(headerLen), fileBytes: bytes.byteLength },
    );
  }
  const n = Number(headerLen);
  const header = parseHeader(bytes.subarray(8, 8 + n));
  const dataStart = 8 + n;
  const dataLen = bytes.byteLength - dataStart;

  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  let headerIndex = 0;
  for (const name of Object.keys(header)) {
    const info = header[name];
    if (name === METADATA_KEY) {
      metadata = parseMetadata(info);
      continue;
    }
    entries.push(parseEntry(name, info, dataLen, headerIndex++));
  }

  // Sort by offset (stable: ties keep header order); also undoes JSON.parse moving integer-like keys first.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end || a.headerIndex - b.headerIndex);
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1]!;
    const cur = entries[i]!;
    if (cur.begin < prev.end) {
      throw corrupt(
        `safetensors tensors "${prev.name}" [${prev.begin}, ${prev.end}) and "${cur.name}" [${cur.begin}, ${cur.end}) have overlapping data ranges.`,
        { tensors: [prev.name, cur.name] },
      );
    }
  }

  const tensors: StateDict = new Map();
  for (const e of entries) {
    const count = shapeSize(e.shape);
    const data = decodeElements(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.wire, count);
    const tensor: HostTensor = { dtype: hostDTypeOf(e.wire), shape: e.shape, data };
    checkFinite(e.name, tensor, options.nonFinite ?? 'allow', options.onWarning);
    tensors.set(e.name, tensor);
  }
  return { tensors, metadata };
}

function parseHeader(raw: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch (cause) {
    throw format('safetensors header is not valid UTF-8.', {}, cause);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw format(`safetensors header is not valid JSON: ${(cause as Error).message}`, {}, cause);
  }
  if (!isPlainObject(parsed)) {
    throw format('safetensors header must be a JSON object.');
  }
  return parsed;
}

function parseMetadata(info: unknown): Record<string, string> {
  if (info === null) return {};
  if (!isPlainObject(info)) throw format('safetensors "__metadata__" must be an object of strings.');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(info)) {
    if (typeof v !== 'string') {
      throw format(`safetensors "__metadata__" value "${k}" is a ${typeof v}, not a string.`, { key: k });
    }
    out[k] = v;
  }
  return out;
}

function parseEntry(name: string, info: unknown, dataLen: number, headerIndex: number): Entry {
  if (!isPlainObject(info)) throw format(`safetensors tensor "${name}": header entry is not an object.`, { name });
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string') throw format(`safetensors tensor "${name}": missing or non-string "dtype".`, { name });
  if (!Array.isArray(shape)) throw format(`safetensors tensor "${name}": missing or non-array "shape".`, { name });
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    throw format(`safetensors tensor "${name}": "data_offsets" must be an array [begin, end].`, { name });
  }
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw format(`safetensors tensor "${name}": shape [${shape.join(', ')}] has an invalid dimension ${JSON.stringify(d)}.`, {
        name,
        shape,
      });
    }
  }
  const [begin, end] = offsets as unknown[];
  if (!isOffset(begin) || !isOffset(end) || end < begin) {
    throw format(`safetensors tensor "${name}": invalid data_offsets ${JSON.stringify(offsets)}.`, { name, offsets });
  }
  const wire = SUPPORTED[dtype];
  if (wire === undefined) {
    throw new CheckpointError(
      'E_UNSUPPORTED_DTYPE',
      `safetensors tensor "${name}" has dtype ${dtype}; supported: ${Object.keys(SUPPORTED).join(', ')}.`,
      { details: { name, dtype } },
    );
  }
  const count = shapeSize(shape as number[]);
  const expected = count * WIRE_ITEM_SIZE[wire];
  if (!Number.isSafeInteger(expected) || expected !== end - begin) {
    throw corrupt(
      `safetensors tensor "${name}": shape [${shape.join(', ')}] × ${dtype} needs ${expected} bytes, data_offsets give ${end - begin}.`,
      { name, shape, dtype, expectedBytes: expected, actualBytes: end - begin },
    );
  }
  if (end > dataLen) {
    throw corrupt(
      `safetensors tensor "${name}": data_offsets [${begin}, ${end}) run past the end of the ${dataLen}-byte data buffer (truncated file?).`,
      { name, begin, end, dataBytes: dataLen },
    );
  }
  return { name, wire, shape: (shape as number[]).slice(), begin, end, headerIndex };
}

/**
 * Serialise tensors (in the Map's order) with optional metadata. Matches the reference writer's
 * layout: compact JSON header, `__metadata__` first (only when non-empty), padded with spaces to a
 * multiple of 8 bytes, data contiguous in key order. Reading a reference file and writing it back
 * therefore gives the same bytes when the file's keys are in data order.
 */
export function writeSafetensors(tensors: StateDict, metadata?: Record<string, string>): Uint8Array {
  // Build the JSON by hand: a JS object would move integer-like keys ("0", "1") to the front.
  const parts: string[] = [];
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    const meta = Object.entries(metadata).map(([k, v]) => {
      if (typeof v !== 'string') {
        throw new InputError('E_INVALID_ARGUMENT', `safetensors metadata value "${k}" must be a string.`, {
          details: { key: k },
        });
      }
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${meta.join(',')}}`);
  }
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of tensors) {
    if (name === METADATA_KEY) {
      throw new InputError('E_INVALID_ARGUMENT', `"${METADATA_KEY}" is reserved and cannot name a tensor.`);
    }
    validateForWrite(name, t);
    const raw = encodeElements(t.data);
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${WRITE_DTYPE[t.dtype]}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + raw.byteLength}]}`,
    );
    chunks.push(raw);
    offset += raw.byteLength;
  }
  const headerBytes = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(headerBytes.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(headerBytes, 8);
  out.fill(0x20, 8 + headerBytes.byteLength, 8 + padded);
  let pos = 8 + padded;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.byteLength;
  }
  return out;
}

function validateForWrite(name: string, t: HostTensor): void {
  for (const d of t.shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new InputError('E_SHAPE', `Tensor "${name}" has an invalid shape [${t.shape.join(', ')}].`, {
        details: { name, shape: t.shape },
      });
    }
  }
  const expectedCtor = { float32: Float32Array, int32: Int32Array, int64: BigInt64Array, bool: Uint8Array }[t.dtype];
  if (expectedCtor === undefined || !(t.data instanceof expectedCtor)) {
    throw new InputError('E_INVALID_ARGUMENT', `Tensor "${name}": dtype ${t.dtype} does not match its data array.`, {
      details: { name, dtype: t.dtype },
    });
  }
  if (t.data.length !== shapeSize(t.shape)) {
    throw new InputError(
      'E_SHAPE',
      `Tensor "${name}": shape [${t.shape.join(', ')}] needs ${shapeSize(t.shape)} elements, data has ${t.data.length}.`,
      { details: { name, shape: t.shape, length: t.data.length } },
    );
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isOffset(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function corrupt(message: string, details: Record<string, unknown> = {}): CheckpointError {
  return new CheckpointError('E_CHECKPOINT_CORRUPT', message, { details });
}

function format(message: string, details: Record<string, unknown> = {}, cause?: unknown): CheckpointError {
  return new CheckpointError('E_CHECKPOINT_FORMAT', message, { details, cause });
}
