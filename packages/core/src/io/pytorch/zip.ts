/**
 * Read-only zip reader over an in-memory Uint8Array, enough for torch.save archives: EOCD and ZIP64
 * EOCD, central directory, local headers; stored members are zero-copy subarrays, deflated members
 * are inflated with DecompressionStream('deflate-raw') (Node ≥ 18 and browsers).
 *
 * Errors: E_CHECKPOINT_FORMAT when the bytes are not a zip (or use an unsupported zip feature),
 * E_CHECKPOINT_CORRUPT for truncation, bad headers, size or CRC mismatches, naming the member.
 */
import { CheckpointError } from '../../contract/errors.js';
import { crc32 } from './crc32.js';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
  /** Absolute offset of the member's (compressed) data in the archive. */
  readonly dataOffset: number;
}

export interface ZipReadOptions {
  /** Check the member's CRC-32 (costs one pass over its bytes). Default true. */
  verifyCrc?: boolean;
}

export class ZipArchive {
  readonly entries: readonly ZipEntry[];
  private readonly byName: Map<string, ZipEntry>;

  private constructor(
    private readonly bytes: Uint8Array,
    entries: ZipEntry[],
  ) {
    this.entries = entries;
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  /** Parse the directory (EOCD, ZIP64, central and local headers). Member data is not read. */
  static open(bytes: Uint8Array): ZipArchive {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const eocd = findEocd(bytes, dv);
    let count = dv.getUint16(eocd + 10, true);
    let cdSize = dv.getUint32(eocd + 12, true);
    let cdOffset = dv.getUint32(eocd + 16, true);

    // ZIP64: the locator sits right before the EOCD; torch writes it for every archive.
    const loc = eocd - 20;
    if (loc >= 0 && dv.getUint32(loc, true) === SIG_EOCD64_LOCATOR) {
      const eocd64 = u64(dv, loc + 8, 'ZIP64 end-of-central-directory offset');
      if (eocd64 + 56 > loc || dv.getUint32(eocd64, true) !== SIG_EOCD64) {
        throw corrupt('ZIP64 end-of-central-directory record is missing or out of range.', {});
      }
      count = u64(dv, eocd64 + 32, 'ZIP64 entry count');
      cdSize = u64(dv, eocd64 + 40, 'ZIP64 central directory size');
      cdOffset = u64(dv, eocd64 + 48, 'ZIP64 central directory offset');
    } else if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      throw corrupt('zip needs ZIP64 records but the ZIP64 locator is missing.', {});
    }
    if (cdOffset + cdSize > eocd) {
      throw corrupt(
        `zip central directory [${cdOffset}, ${cdOffset + cdSize}) runs past its end record at ${eocd} (truncated file?).`,
        { cdOffset, cdSize },
      );
    }

    const entries: ZipEntry[] = [];
    const seen = new Set<string>();
    const decoder = new TextDecoder('utf-8');
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdOffset + cdSize || dv.getUint32(p, true) !== SIG_CENTRAL) {
        throw corrupt(`zip central directory entry ${i} of ${count} is missing or has a bad signature.`, { index: i });
      }
      const flags = dv.getUint16(p + 8, true);
      const method = dv.getUint16(p + 10, true);
      const crc = dv.getUint32(p + 16, true);
      let compressedSize = dv.getUint32(p + 20, true);
      let size = dv.getUint32(p + 24, true);
      const nameLen = dv.getUint16(p + 28, true);
      const extraLen = dv.getUint16(p + 30, true);
      const commentLen = dv.getUint16(p + 32, true);
      let localHeaderOffset = dv.getUint32(p + 42, true);
      const end = p + 46 + nameLen + extraLen + commentLen;
      if (end > cdOffset + cdSize) throw corrupt(`zip central directory entry ${i} is truncated.`, { index: i });
      const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));

      // ZIP64 extended information: only the fields whose 32-bit value is saturated, in this order.
      const extra = p + 46 + nameLen;
      for (let q = extra; q + 4 <= extra + extraLen; ) {
        const id = dv.getUint16(q, true);
        const len = dv.getUint16(q + 2, true);
        if (q + 4 + len > extra + extraLen) throw corrupt(`zip member "${name}": malformed extra field.`, { member: name });
        if (id === 0x0001) {
          let f = q + 4;
          const take = (what: string): number => {
            if (f + 8 > q + 4 + len) throw corrupt(`zip member "${name}": ZIP64 extra field too short.`, { member: name });
            const v = u64(dv, f, `${what} of "${name}"`);
            f += 8;
            return v;
          };
          if (size === 0xffffffff) size = take('size');
          if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('offset');
        }
        q += 4 + len;
      }

      if (flags & 0x1) throw format(`zip member "${name}" is encrypted; encrypted archives are not supported.`, name);
      if (method !== 0 && method !== 8) {
        throw format(`zip member "${name}" uses compression method ${method}; only stored (0) and deflate (8) are supported.`, name);
      }
      if (method === 0 && compressedSize !== size) {
        throw corrupt(`zip member "${name}" is stored but its sizes differ (${compressedSize} vs ${size}).`, { member: name });
      }
      if (seen.has(name)) throw corrupt(`zip has two members named "${name}".`, { member: name });
      seen.add(name);

      // Local header: check it is where the directory says, and find the data after its own name/extra.
      const lh = localHeaderOffset;
      if (lh + 30 > cdOffset || dv.getUint32(lh, true) !== SIG_LOCAL) {
        throw corrupt(`zip member "${name}": local header at ${lh} is missing or has a bad signature.`, { member: name });
      }
      const lNameLen = dv.getUint16(lh + 26, true);
      const lExtraLen = dv.getUint16(lh + 28, true);
      const lName = decoder.decode(bytes.subarray(lh + 30, Math.min(lh + 30 + lNameLen, bytes.length)));
      if (lName !== name) {
        throw corrupt(`zip member "${name}": local header names "${lName}".`, { member: name });
      }
      const dataOffset = lh + 30 + lNameLen + lExtraLen;
      if (dataOffset + compressedSize > cdOffset) {
        throw corrupt(
          `zip member "${name}" is truncated: ${compressedSize} bytes at ${dataOffset} run past the data area (${cdOffset} bytes).`,
          { member: name, dataOffset, compressedSize },
        );
      }
      entries.push({ name, method, crc32: crc, compressedSize, size, localHeaderOffset, dataOffset });
      p = end;
    }
    return new ZipArchive(bytes, entries);
  }

  get(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  /** A stored member's bytes, zero-copy (a subarray of the archive). Throws for compressed members. */
  readStored(entry: ZipEntry, options: ZipReadOptions = {}): Uint8Array {
    if (entry.method !== 0) {
      throw format(`zip member "${entry.name}" is compressed; use read() (async).`, entry.name);
    }
    const data = this.bytes.subarray(entry.dataOffset, entry.dataOffset + entry.size);
    if (options.verifyCrc ?? true) verifyCrc(entry, data);
    return data;
  }

  /** Any member's bytes: stored ones zero-copy, deflated ones inflated into a fresh buffer. */
  async read(entry: ZipEntry, options: ZipReadOptions = {}): Promise<Uint8Array> {
    if (entry.method === 0) return this.readStored(entry, options);
    const raw = this.bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
    const data = await inflateRaw(raw, entry.size, entry.name);
    if (options.verifyCrc ?? true) verifyCrc(entry, data);
    return data;
  }
}

function findEocd(bytes: Uint8Array, dv: DataView): number {
  const last = bytes.length - EOCD_SIZE;
  if (last < 0) throw format(`not a zip archive (${bytes.length} bytes, too short).`);
  // Scan backwards over a possible archive comment; require the comment to end the file exactly.
  for (let p = last; p >= 0 && p >= last - MAX_COMMENT; p--) {
    if (bytes[p] === 0x50 && dv.getUint32(p, true) === SIG_EOCD && p + EOCD_SIZE + dv.getUint16(p + 20, true) === bytes.length) {
      return p;
    }
  }
  // Starts like a zip but has no end record: a zip cut short, not another format.
  if (dv.byteLength >= 4 && dv.getUint32(0, true) === SIG_LOCAL) {
    throw corrupt('zip has no end-of-central-directory record: the file is truncated.', {});
  }
  throw format('not a zip archive (no end-of-central-directory record).');
}

async function inflateRaw(raw: Uint8Array, expected: number, name: string): Promise<Uint8Array> {
  const out = new Uint8Array(expected);
  const ds = new DecompressionStream('deflate-raw');
  const writer = ds.writable.getWriter();
  // Read concurrently; write errors surface through the reader too.
  const written = writer.write(raw.slice()).then(() => writer.close());
  written.catch(() => undefined);
  const reader = ds.readable.getReader();
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Stop at the declared size: a member must not inflate to more than its header says.
      if (n + value.length > expected) {
        await reader.cancel().catch(() => undefined);
        throw corrupt(`zip member "${name}" inflates to more than its declared ${expected} bytes.`, { member: name });
      }
      out.set(value, n);
      n += value.length;
    }
  } catch (cause) {
    if (CheckpointError.isInstance(cause)) throw cause;
    throw new CheckpointError('E_CHECKPOINT_CORRUPT', `zip member "${name}": invalid deflate data (${String(cause)}).`, {
      cause,
      details: { member: name },
    });
  }
  if (n !== expected) {
    throw corrupt(`zip member "${name}" inflates to ${n} bytes, its header says ${expected}.`, { member: name });
  }
  return out;
}

function verifyCrc(entry: ZipEntry, data: Uint8Array): void {
  const actual = crc32(data);
  if (actual !== entry.crc32) {
    throw corrupt(
      `zip member "${entry.name}" fails its CRC-32 check (stored ${hex(entry.crc32)}, computed ${hex(actual)}).`,
      { member: entry.name },
    );
  }
}

function u64(dv: DataView, offset: number, what: string): number {
  if (offset + 8 > dv.byteLength) throw corrupt(`zip ${what} lies outside the file.`, {});
  const v = dv.getBigUint64(offset, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`zip ${what} is out of range (${v}).`, {});
  return Number(v);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function corrupt(message: string, details: Record<string, unknown>): CheckpointError {
  return new CheckpointError('E_CHECKPOINT_CORRUPT', message, { details });
}

function format(message: string, member?: string): CheckpointError {
  return new CheckpointError('E_CHECKPOINT_FORMAT', message, { details: member === undefined ? {} : { member } });
}
