/**
 * Test-only builders: hand-written pickles and zip archives, so the reader tests can make hostile
 * and broken checkpoints without Python. Not exported from the package.
 */
import { crc32 } from './crc32.js';

/** Byte-level pickle writer; `value()` covers the Python values the tests need. */
export class PickleWriter {
  private readonly out: number[] = [];

  op(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }
  ascii(s: string): this {
    for (const c of s) this.out.push(c.charCodeAt(0));
    return this;
  }
  u32(n: number): this {
    return this.op(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  proto(v = 2): this {
    return this.op(0x80, v);
  }
  mark(): this {
    return this.op(0x28);
  }
  stop(): this {
    return this.op(0x2e);
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.op(0x58).u32(b.length);
    for (const x of b) this.out.push(x);
    return this;
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(0x4b, n);
    if (n >= 0 && n < 65536) return this.op(0x4d, n & 0xff, n >> 8);
    if (n >= -(2 ** 31) && n < 2 ** 31) return this.op(0x4a).u32(n >>> 0);
    throw new Error('int out of range for the test writer');
  }
  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return this.op(0x47, ...b);
  }
  global(module: string, name: string): this {
    return this.op(0x63).ascii(`${module}\n${name}\n`);
  }
  /** Python value: string, int, {float}, boolean, null, array (list), {tuple}, Map (dict), {tensor}. */
  value(v: PyValue): this {
    if (v === null) return this.op(0x4e);
    if (v === true) return this.op(0x88);
    if (v === false) return this.op(0x89);
    if (typeof v === 'string') return this.str(v);
    if (typeof v === 'number') return this.int(v);
    if (Array.isArray(v)) {
      this.op(0x5d).mark();
      for (const x of v) this.value(x);
      return this.op(0x65);
    }
    if (v instanceof Map) {
      this.op(0x7d).mark();
      for (const [k, x] of v) this.value(k).value(x);
      return this.op(0x75);
    }
    if ('float' in v) return this.float(v.float);
    if ('tuple' in v) {
      this.mark();
      for (const x of v.tuple) this.value(x);
      return this.op(0x74);
    }
    if ('ordered' in v) {
      this.global('collections', 'OrderedDict').op(0x29, 0x52).mark();
      for (const [k, x] of v.ordered) this.value(k).value(x);
      return this.op(0x75);
    }
    return this.tensor(v.tensor);
  }
  /** `_rebuild_tensor_v2(storage_pid, offset, size, stride, False, OrderedDict())`. */
  tensor(t: TensorSpec): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', t.storageClass ?? 'FloatStorage').str(t.key).str('cpu').int(t.numel).op(0x74).op(0x51);
    this.int(t.offset ?? 0);
    this.value({ tuple: t.size });
    this.value({ tuple: t.stride ?? contiguousStride(t.size) });
    this.op(0x89).global('collections', 'OrderedDict').op(0x29, 0x52);
    return this.op(0x74, 0x52);
  }
  bytes(): Uint8Array {
    return new Uint8Array(this.out);
  }
}

export interface TensorSpec {
  key: string;
  numel: number;
  size: number[];
  stride?: number[];
  offset?: number;
  storageClass?: string;
}

export type PyValue =
  | null
  | boolean
  | number
  | string
  | PyValue[]
  | Map<PyValue, PyValue>
  | { float: number }
  | { tuple: PyValue[] }
  | { ordered: [PyValue, PyValue][] }
  | { tensor: TensorSpec };

function contiguousStride(size: number[]): number[] {
  const s = new Array<number>(size.length);
  let acc = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= size[d]!;
  }
  return s;
}

/** A pickle of `{...entries}` as a top-level dict, finished with STOP. */
export function pickleOf(v: PyValue): Uint8Array {
  return new PickleWriter().proto(2).value(v).stop().bytes();
}

export interface ZipMember {
  name: string;
  data: Uint8Array;
  /** Already-deflated bytes: the member is written with method 8. */
  deflated?: Uint8Array;
  /** Override the recorded CRC-32. */
  crc?: number;
}

export interface ZipOptions {
  /** Write ZIP64 EOCD + locator (torch always does). Default true. */
  zip64?: boolean;
  /** Also put sizes/offsets in ZIP64 extra fields (as for members over 4 GiB). */
  zip64Extra?: boolean;
}

/** A zip archive like torch's writer makes: local headers, data, central directory, (ZIP64) EOCD. */
export function buildZip(members: ZipMember[], options: ZipOptions = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  let pos = 0;
  const push = (b: Uint8Array): void => {
    chunks.push(b);
    pos += b.length;
  };
  const central: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const m of members) {
    const name = enc.encode(m.name);
    const payload = m.deflated ?? m.data;
    const method = m.deflated ? 8 : 0;
    const crc = m.crc ?? crc32(m.data);
    const offset = pos;
    const lh = new Uint8Array(30 + name.length);
    const l = new DataView(lh.buffer);
    l.setUint32(0, 0x04034b50, true);
    l.setUint16(4, 20, true);
    l.setUint16(8, method, true);
    l.setUint32(14, crc, true);
    l.setUint32(18, payload.length, true);
    l.setUint32(22, m.data.length, true);
    l.setUint16(26, name.length, true);
    lh.set(name, 30);
    push(lh);
    push(payload);

    const big = options.zip64Extra ?? false;
    const extra = big ? 4 + 24 : 0;
    const ch = new Uint8Array(46 + name.length + extra);
    const c = new DataView(ch.buffer);
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 45, true);
    c.setUint16(6, 45, true);
    c.setUint16(10, method, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, big ? 0xffffffff : payload.length, true);
    c.setUint32(24, big ? 0xffffffff : m.data.length, true);
    c.setUint16(28, name.length, true);
    c.setUint16(30, extra, true);
    c.setUint32(42, big ? 0xffffffff : offset, true);
    ch.set(name, 46);
    if (big) {
      const e = 46 + name.length;
      c.setUint16(e, 0x0001, true);
      c.setUint16(e + 2, 24, true);
      c.setBigUint64(e + 4, BigInt(m.data.length), true);
      c.setBigUint64(e + 12, BigInt(payload.length), true);
      c.setBigUint64(e + 20, BigInt(offset), true);
    }
    central.push(ch);
  }
  const cdOffset = pos;
  for (const ch of central) push(ch);
  const cdSize = pos - cdOffset;
  const zip64 = options.zip64 ?? true;
  if (zip64) {
    const eocd64Offset = pos;
    const r = new Uint8Array(56);
    const d = new DataView(r.buffer);
    d.setUint32(0, 0x06064b50, true);
    d.setBigUint64(4, 44n, true);
    d.setUint16(12, 45, true);
    d.setUint16(14, 45, true);
    d.setBigUint64(24, BigInt(members.length), true);
    d.setBigUint64(32, BigInt(members.length), true);
    d.setBigUint64(40, BigInt(cdSize), true);
    d.setBigUint64(48, BigInt(cdOffset), true);
    push(r);
    const loc = new Uint8Array(20);
    const ld = new DataView(loc.buffer);
    ld.setUint32(0, 0x07064b50, true);
    ld.setBigUint64(8, BigInt(eocd64Offset), true);
    ld.setUint32(16, 1, true);
    push(loc);
  }
  const e = new Uint8Array(22);
  const ed = new DataView(e.buffer);
  ed.setUint32(0, 0x06054b50, true);
  ed.setUint16(8, zip64 ? 0xffff : members.length, true);
  ed.setUint16(10, zip64 ? 0xffff : members.length, true);
  ed.setUint32(12, zip64 ? 0xffffffff : cdSize, true);
  ed.setUint32(16, zip64 ? 0xffffffff : cdOffset, true);
  push(e);

  const out = new Uint8Array(pos);
  let p = 0;
  for (const ch of chunks) {
    out.set(ch, p);
    p += ch.length;
  }
  return out;
}

/** A minimal torch.save archive: `<root>/data.pkl`, `<root>/data/<key>` storages, `<root>/version`. */
export function buildCheckpoint(
  pickle: Uint8Array,
  storages: Record<string, Uint8Array>,
  options: ZipOptions & { root?: string } = {},
): Uint8Array {
  const root = options.root ?? 'archive';
  const members: ZipMember[] = [{ name: `${root}/data.pkl`, data: pickle }];
  for (const [key, data] of Object.entries(storages)) members.push({ name: `${root}/data/${key}`, data });
  members.push({ name: `${root}/version`, data: new TextEncoder().encode('3\n') });
  return buildZip(members, options);
}

export function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}
