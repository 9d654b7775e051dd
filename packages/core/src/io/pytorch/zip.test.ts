import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SemstyleError } from '../../contract/errors.js';
import { crc32 } from './crc32.js';
import { buildZip } from './test-builders.js';
import { ZipArchive } from './zip.js';

const enc = new TextEncoder();

async function errorOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (SemstyleError.isInstance(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected an error');
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('ZipArchive', () => {
  const a = enc.encode('hello, stored member');
  const b = new Uint8Array(5000).map((_, i) => (i * 7) % 13);

  for (const [label, opts] of [
    ['plain EOCD', { zip64: false }],
    ['ZIP64 EOCD + locator', { zip64: true }],
    ['ZIP64 extra fields', { zip64: true, zip64Extra: true }],
  ] as const) {
    it(`reads stored and deflated members (${label})`, async () => {
      const zip = ZipArchive.open(
        buildZip(
          [
            { name: 'r/a', data: a },
            { name: 'r/b', data: b, deflated: new Uint8Array(deflateRawSync(b)) },
          ],
          opts,
        ),
      );
      expect(zip.entries.map((e) => e.name)).toEqual(['r/a', 'r/b']);
      const ea = zip.get('r/a')!;
      expect(zip.readStored(ea)).toEqual(a);
      expect(await zip.read(ea)).toEqual(a);
      const eb = zip.get('r/b')!;
      expect(eb.method).toBe(8);
      expect(await zip.read(eb)).toEqual(b);
      expect(() => zip.readStored(eb)).toThrow(/compressed/);
    });
  }

  it('stored members are zero-copy views', () => {
    const bytes = buildZip([{ name: 'r/a', data: a }]);
    const data = ZipArchive.open(bytes).readStored(ZipArchive.open(bytes).get('r/a')!);
    expect(data.buffer).toBe(bytes.buffer);
  });

  it('detects CRC mismatches (and can skip the check)', async () => {
    const zip = ZipArchive.open(buildZip([{ name: 'r/a', data: a, crc: 0x12345678 }]));
    const e = zip.get('r/a')!;
    expect(await errorOf(() => zip.readStored(e))).toMatch(/^E_CHECKPOINT_CORRUPT.*"r\/a".*CRC-32/);
    expect(zip.readStored(e, { verifyCrc: false })).toEqual(a);
  });

  it('a non-zip is E_CHECKPOINT_FORMAT; a zip cut short is E_CHECKPOINT_CORRUPT', async () => {
    expect(await errorOf(() => ZipArchive.open(enc.encode('definitely not a zip file, just text')))).toMatch(
      /^E_CHECKPOINT_FORMAT.*not a zip/,
    );
    expect(await errorOf(() => ZipArchive.open(new Uint8Array(3)))).toMatch(/^E_CHECKPOINT_FORMAT/);
    const full = buildZip([{ name: 'r/a', data: a }]);
    expect(await errorOf(() => ZipArchive.open(full.subarray(0, full.length - 30)))).toMatch(/^E_CHECKPOINT_CORRUPT.*truncated/);
  });

  it('a member whose size runs past the data area is truncated, naming the member', async () => {
    const bytes = buildZip([{ name: 'r/a', data: a }, { name: 'r/big', data: b }], { zip64: false });
    // Grow r/big's recorded sizes in the central directory (both, as it is stored).
    const dv = new DataView(bytes.buffer);
    const cd = dv.getUint32(bytes.length - 22 + 16, true);
    const second = cd + 46 + 'r/a'.length;
    dv.setUint32(second + 20, b.length + 100, true);
    dv.setUint32(second + 24, b.length + 100, true);
    expect(await errorOf(() => ZipArchive.open(bytes))).toMatch(/^E_CHECKPOINT_CORRUPT.*"r\/big" is truncated/);
  });

  it('a bad local header or a name mismatch is corrupt', async () => {
    const bytes = buildZip([{ name: 'r/a', data: a }]);
    const broken = bytes.slice();
    broken[0] = 0; // local header signature
    expect(await errorOf(() => ZipArchive.open(broken))).toMatch(/^E_CHECKPOINT_CORRUPT.*"r\/a".*local header/);
    const renamed = bytes.slice();
    renamed[30 + 2] = 'x'.charCodeAt(0); // local name r/x
    expect(await errorOf(() => ZipArchive.open(renamed))).toMatch(/^E_CHECKPOINT_CORRUPT.*local header names "r\/x"/);
  });

  it('bad deflate data and wrong inflated sizes are corrupt', async () => {
    const junk = ZipArchive.open(buildZip([{ name: 'r/d', data: b, deflated: new Uint8Array([0xff, 0xff, 0xff, 0xff]) }]));
    expect(await errorOf(() => junk.read(junk.get('r/d')!))).toMatch(/^E_CHECKPOINT_CORRUPT.*"r\/d"/);
    // Declares fewer bytes than the stream inflates to (a zip-bomb shape): stopped at the declared size.
    const small = b.subarray(0, 10);
    const bomb = ZipArchive.open(buildZip([{ name: 'r/d', data: small, deflated: new Uint8Array(deflateRawSync(b)) }]));
    expect(await errorOf(() => bomb.read(bomb.get('r/d')!))).toMatch(/^E_CHECKPOINT_CORRUPT.*"r\/d" inflates to more/);
  });

  it('refuses unsupported methods, encryption and duplicate names', async () => {
    const bytes = buildZip([{ name: 'r/a', data: a }], { zip64: false });
    const dv = new DataView(bytes.buffer);
    const cd = dv.getUint32(bytes.length - 22 + 16, true);
    const m = bytes.slice();
    new DataView(m.buffer).setUint16(cd + 10, 12, true); // bzip2
    expect(await errorOf(() => ZipArchive.open(m))).toMatch(/^E_CHECKPOINT_FORMAT.*"r\/a".*method 12/);
    const enc1 = bytes.slice();
    new DataView(enc1.buffer).setUint16(cd + 8, 1, true);
    expect(await errorOf(() => ZipArchive.open(enc1))).toMatch(/^E_CHECKPOINT_FORMAT.*encrypted/);
    const dup = buildZip([
      { name: 'r/a', data: a },
      { name: 'r/a', data: a },
    ]);
    expect(await errorOf(() => ZipArchive.open(dup))).toMatch(/^E_CHECKPOINT_CORRUPT.*two members named "r\/a"/);
  });
});
