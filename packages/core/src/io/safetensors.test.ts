import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SemstyleError } from '../contract/errors.js';
import type { HostTensor, StateDict } from './host-tensor.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';

const FIXTURES = '/work/shared/fixtures/official-parity/small';
const WEIGHTS = `${FIXTURES}/weights.safetensors`;
const GOLDENS = `${FIXTURES}/goldens.safetensors`;
const haveFixtures = existsSync(WEIGHTS) && existsSync(GOLDENS);

/** Build a safetensors file from a literal header object and a data buffer. */
function build(header: unknown, data: Uint8Array = new Uint8Array(0), pad = true): Uint8Array {
  let json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  if (pad && json.length % 8 !== 0) {
    const p = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (SemstyleError.isInstance(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected an error');
}

describe.runIf(haveFixtures)('readSafetensors on the official-parity fixtures', () => {
  const weightsBytes = haveFixtures ? new Uint8Array(readFileSync(WEIGHTS)) : new Uint8Array();

  it('reads weights.safetensors: 345 F32 tensors with metadata', () => {
    const { tensors, metadata } = readSafetensors(weightsBytes);
    expect(tensors.size).toBe(345);
    const style = tensors.get('g_ema.style.1.weight')!;
    expect(style.dtype).toBe('float32');
    expect(style.shape).toEqual([64, 64]);
    expect(style.data).toBeInstanceOf(Float32Array);
    expect(style.data.length).toBe(64 * 64);
    expect(tensors.get('d.final_linear.0.weight')!.shape).toEqual([64, 1024]);
    const config = JSON.parse(metadata.config!);
    expect(config.channels).toEqual({ '4': 64, '8': 64, '16': 64, '32': 48, '64': 32 });
    for (const t of tensors.values()) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
  });

  it('returns the tensors in data-offset order and copies data exactly', () => {
    const { tensors } = readSafetensors(weightsBytes);
    const header = JSON.parse(
      new TextDecoder().decode(weightsBytes.subarray(8, 8 + Number(new DataView(weightsBytes.buffer).getBigUint64(0, true)))),
    ) as Record<string, { data_offsets: [number, number] }>;
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    names.sort((a, b) => header[a]!.data_offsets[0] - header[b]!.data_offsets[0]);
    expect([...tensors.keys()]).toEqual(names);
    // Spot-check raw bytes of one tensor.
    const name = 'g_ema.style.1.weight';
    const [b, e] = header[name]!.data_offsets;
    const dataStart = weightsBytes.length - (header[names[names.length - 1]!]!.data_offsets[1]);
    const raw = weightsBytes.slice(dataStart + b, dataStart + e);
    const t = tensors.get(name)!;
    expect(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)).toEqual(raw);
    // Fresh buffer, not a view of the file.
    expect(t.data.buffer).not.toBe(weightsBytes.buffer);
  });

  it('round-trips weights.safetensors and goldens.safetensors byte for byte', () => {
    for (const [path, count] of [
      [WEIGHTS, 345],
      [GOLDENS, 46],
    ] as const) {
      const bytes = path === WEIGHTS ? weightsBytes : new Uint8Array(readFileSync(path));
      const first = readSafetensors(bytes);
      expect(first.tensors.size).toBe(count);
      const written = writeSafetensors(first.tensors, first.metadata);
      expect(written.length).toBe(bytes.length);
      expect(Buffer.compare(Buffer.from(written), Buffer.from(bytes))).toBe(0);
      const second = readSafetensors(written);
      expect([...second.tensors.keys()]).toEqual([...first.tensors.keys()]);
      expect(second.metadata).toEqual(first.metadata);
    }
  });

  it('reads from an unaligned view', () => {
    const shifted = new Uint8Array(weightsBytes.length + 3);
    shifted.set(weightsBytes, 3);
    const { tensors } = readSafetensors(shifted.subarray(3));
    const ref = readSafetensors(weightsBytes).tensors;
    expect(tensors.get('d.final_linear.0.weight')!.data).toEqual(ref.get('d.final_linear.0.weight')!.data);
  });
});

describe('readSafetensors dtypes', () => {
  it('converts F16 and BF16 to float32 and reads I32, I64, BOOL', () => {
    // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal 0x0001, +inf 0x7c00
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00]).buffer);
    // BF16: 1.0 = 0x3f80, -0.5 = 0xbf00, 3.140625 = 0x4049
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xbf00, 0x4049]).buffer);
    const i32 = new Uint8Array(new Int32Array([-7, 2147483647]).buffer);
    const i64 = new Uint8Array(new BigInt64Array([-1n, 9007199254740993n]).buffer);
    const bool = new Uint8Array([1, 0, 1]);
    const parts = [f16, bf16, i32, i64, bool];
    const offs: [number, number][] = [];
    let o = 0;
    for (const p of parts) {
      offs.push([o, o + p.length]);
      o += p.length;
    }
    const data = new Uint8Array(o);
    parts.forEach((p, i) => data.set(p, offs[i]![0]));
    const file = build(
      {
        h: { dtype: 'F16', shape: [5], data_offsets: offs[0] },
        b: { dtype: 'BF16', shape: [3], data_offsets: offs[1] },
        i: { dtype: 'I32', shape: [2], data_offsets: offs[2] },
        l: { dtype: 'I64', shape: [2, 1], data_offsets: offs[3] },
        z: { dtype: 'BOOL', shape: [3], data_offsets: offs[4] },
      },
      data,
    );
    const { tensors, metadata } = readSafetensors(file);
    expect(metadata).toEqual({});
    expect([...tensors.keys()]).toEqual(['h', 'b', 'i', 'l', 'z']);
    expect(Array.from(tensors.get('h')!.data as Float32Array)).toEqual([1, -2, 65504, 2 ** -24, Infinity]);
    expect(tensors.get('h')!.dtype).toBe('float32');
    expect(Array.from(tensors.get('b')!.data as Float32Array)).toEqual([1, -0.5, 3.140625]);
    expect(tensors.get('i')!.data).toEqual(new Int32Array([-7, 2147483647]));
    expect(tensors.get('l')!.data).toEqual(new BigInt64Array([-1n, 9007199254740993n]));
    expect(tensors.get('l')!.dtype).toBe('int64');
    expect(tensors.get('z')!.data).toEqual(new Uint8Array([1, 0, 1]));
    expect(tensors.get('z')!.dtype).toBe('bool');
  });

  it('rejects other dtypes with E_UNSUPPORTED_DTYPE naming the tensor and dtype', () => {
    const file = build({ x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8));
    const msg = code(() => readSafetensors(file));
    expect(msg).toMatch(/^E_UNSUPPORTED_DTYPE/);
    expect(msg).toContain('"x"');
    expect(msg).toContain('F64');
  });

  it('orders tensors by data offset, including integer-like names', () => {
    const header = '{"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"1":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[],"data_offsets":[8,12]}}';
    const { tensors } = readSafetensors(build(header, f32Bytes([1, 2, 3])));
    expect([...tensors.keys()]).toEqual(['b', '1', 'a']);
    expect(tensors.get('a')!.shape).toEqual([]);
    // The writer keeps integer-like names where they were.
    const again = readSafetensors(writeSafetensors(tensors));
    expect([...again.tensors.keys()]).toEqual(['b', '1', 'a']);
  });

  it('non-finite policy: allow, warn, error', () => {
    const file = build({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, f32Bytes([1, NaN, -Infinity]));
    expect(() => readSafetensors(file)).not.toThrow();
    const warnings: string[] = [];
    readSafetensors(file, { nonFinite: 'warn', onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"w"');
    expect(warnings[0]).toContain('2 non-finite');
    const msg = code(() => readSafetensors(file, { nonFinite: 'error' }));
    expect(msg).toMatch(/^E_WEIGHTS_NON_FINITE/);
    expect(msg).toContain('"w"');
  });
});

describe('readSafetensors hostile and broken input', () => {
  const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };

  it('too short for the length prefix', () => {
    expect(code(() => readSafetensors(new Uint8Array(5)))).toMatch(/^E_CHECKPOINT_CORRUPT.*too short/);
  });

  it('header length larger than the file', () => {
    const file = build(ok, f32Bytes([1, 2]));
    new DataView(file.buffer).setBigUint64(0, BigInt(file.length), true);
    expect(code(() => readSafetensors(file))).toMatch(/^E_CHECKPOINT_CORRUPT.*header length/);
  });

  it('header length over the limit (huge u64), refused before allocating', () => {
    const file = build(ok, f32Bytes([1, 2]));
    new DataView(file.buffer).setBigUint64(0, 0xffffffffffffffffn, true);
    expect(code(() => readSafetensors(file))).toMatch(/^E_CHECKPOINT_UNSAFE.*maxHeaderBytes/);
    const small = build(ok, f32Bytes([1, 2]));
    expect(code(() => readSafetensors(small, { maxHeaderBytes: 16 }))).toMatch(/^E_CHECKPOINT_UNSAFE/);
  });

  it('invalid JSON, invalid UTF-8, non-object header', () => {
    expect(code(() => readSafetensors(build('{"w": {', new Uint8Array())))).toMatch(/^E_CHECKPOINT_FORMAT.*JSON/);
    const bad = build('{"\xff"}');
    bad[10] = 0xff;
    expect(code(() => readSafetensors(bad))).toMatch(/^E_CHECKPOINT_FORMAT/);
    expect(code(() => readSafetensors(build('[1,2]')))).toMatch(/^E_CHECKPOINT_FORMAT.*object/);
  });

  it('missing or malformed fields', () => {
    const cases: [unknown, RegExp][] = [
      [{ w: { shape: [2], data_offsets: [0, 8] } }, /"w".*dtype/],
      [{ w: { dtype: 'F32', data_offsets: [0, 8] } }, /"w".*shape/],
      [{ w: { dtype: 'F32', shape: [2] } }, /"w".*data_offsets/],
      [{ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, /"w".*data_offsets/],
      [{ w: { dtype: 'F32', shape: [2], data_offsets: [0.5, 8] } }, /"w".*data_offsets/],
      [{ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, /"w".*dimension -2/],
      [{ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, /"w".*dimension 1\.5/],
      [{ w: 3 }, /"w".*not an object/],
      [{ __metadata__: { a: 1 }, ...ok }, /__metadata__.*"a"/],
    ];
    for (const [header, re] of cases) {
      const msg = code(() => readSafetensors(build(header, f32Bytes([1, 2]))));
      expect(msg).toMatch(/^E_CHECKPOINT_FORMAT/);
      expect(msg).toMatch(re);
    }
  });

  it('byte count does not match shape × itemsize', () => {
    const file = build({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32Bytes([1, 2]));
    expect(code(() => readSafetensors(file))).toMatch(/^E_CHECKPOINT_CORRUPT.*"w".*needs 12 bytes.*give 8/);
  });

  it('offsets out of range (truncated data)', () => {
    const file = build({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32Bytes([1, 2]));
    expect(code(() => readSafetensors(file))).toMatch(/^E_CHECKPOINT_CORRUPT.*"w".*past the end/);
  });

  it('overlapping data ranges', () => {
    const file = build(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      },
      f32Bytes([1, 2, 3]),
    );
    expect(code(() => readSafetensors(file))).toMatch(/^E_CHECKPOINT_CORRUPT.*"a".*"b".*overlapping/);
  });

  it('a shape whose byte size overflows is rejected, not allocated', () => {
    const file = build({ w: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, f32Bytes([1, 2]));
    expect(code(() => readSafetensors(file))).toMatch(/^E_CHECKPOINT_CORRUPT/);
  });
});

describe('writeSafetensors', () => {
  it('pads the header to 8 bytes with spaces and keeps key order', () => {
    const tensors: StateDict = new Map<string, HostTensor>([
      ['z', { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }],
      ['a', { dtype: 'int64', shape: [1], data: new BigInt64Array([5n]) }],
      ['m', { dtype: 'bool', shape: [2, 1], data: new Uint8Array([0, 1]) }],
      ['k', { dtype: 'int32', shape: [], data: new Int32Array([-3]) }],
    ]);
    const bytes = writeSafetensors(tensors, { format: 'pt' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.startsWith('{"__metadata__":{"format":"pt"},"z":')).toBe(true);
    expect(/^[^ ]*\}\s*$/.test(text)).toBe(true);
    const back = readSafetensors(bytes);
    expect([...back.tensors.keys()]).toEqual(['z', 'a', 'm', 'k']);
    expect(back.metadata).toEqual({ format: 'pt' });
    expect(back.tensors.get('a')!.data).toEqual(new BigInt64Array([5n]));
    expect(back.tensors.get('k')!.shape).toEqual([]);
    expect(writeSafetensors(back.tensors, back.metadata)).toEqual(bytes);
  });

  it('writes views of larger buffers correctly', () => {
    const big = new Float32Array([9, 1, 2, 3, 9]);
    const bytes = writeSafetensors(new Map([['v', { dtype: 'float32', shape: [3], data: big.subarray(1, 4) }]]));
    expect(readSafetensors(bytes).tensors.get('v')!.data).toEqual(new Float32Array([1, 2, 3]));
  });

  it('rejects a data length that does not match the shape, and the reserved name', () => {
    expect(
      code(() => writeSafetensors(new Map([['w', { dtype: 'float32', shape: [3], data: new Float32Array(2) }]]))),
    ).toMatch(/^E_SHAPE.*"w"/);
    expect(
      code(() => writeSafetensors(new Map([['w', { dtype: 'int32', shape: [2], data: new Float32Array(2) }]]))),
    ).toMatch(/^E_INVALID_ARGUMENT.*"w"/);
    expect(
      code(() => writeSafetensors(new Map([['__metadata__', { dtype: 'float32', shape: [1], data: new Float32Array(1) }]]))),
    ).toMatch(/^E_INVALID_ARGUMENT/);
  });
});
