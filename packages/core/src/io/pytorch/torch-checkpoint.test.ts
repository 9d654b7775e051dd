import { existsSync, readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { SemstyleError } from '../../contract/errors.js';
import type { HostTensor, StateDict } from '../host-tensor.js';
import { readSafetensors } from '../safetensors.js';
import { openTorchCheckpoint, TorchTensorRef, ZipArchive, type TorchCheckpoint } from './index.js';
import { buildCheckpoint, buildZip, f32, PickleWriter, pickleOf, type PyValue, type TensorSpec } from './test-builders.js';

const FIXTURES = '/work/shared/fixtures/official-parity/small';
const CKPT = `${FIXTURES}/checkpoint.pt`;
const WEIGHTS = `${FIXTURES}/weights.safetensors`;
const haveFixtures = existsSync(CKPT) && existsSync(WEIGHTS);

async function errorOf(fn: () => unknown): Promise<SemstyleError> {
  try {
    await fn();
  } catch (e) {
    if (SemstyleError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

function sameBits(a: HostTensor, b: HostTensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join() || a.data.byteLength !== b.data.byteLength) return false;
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  return x.every((v, i) => v === y[i]);
}

const t = (spec: TensorSpec): PyValue => ({ tensor: spec });

describe.runIf(haveFixtures)('openTorchCheckpoint on the official-parity checkpoint.pt', () => {
  let bytes: Uint8Array;
  let ckpt: TorchCheckpoint;
  let weights: StateDict;
  beforeAll(async () => {
    bytes = new Uint8Array(readFileSync(CKPT));
    ckpt = await openTorchCheckpoint(bytes);
    weights = readSafetensors(new Uint8Array(readFileSync(WEIGHTS))).tensors;
  });

  it('finds the root folder and the top-level keys', () => {
    expect(ckpt.root).toBe('checkpoint');
    expect(ckpt.keys).toEqual(['g', 'd', 'g_ema', 'g_optim', 'd_optim', 'args']);
  });

  it('g_ema and d equal weights.safetensors bit for bit', () => {
    for (const prefix of ['g_ema', 'd']) {
      const sd = ckpt.stateDict(prefix);
      const expected = [...weights.keys()].filter((k) => k.startsWith(`${prefix}.`));
      expect(sd.size).toBe(expected.length);
      for (const [k, tensor] of sd) {
        const ref = weights.get(`${prefix}.${k}`);
        expect(ref, `${prefix}.${k}`).toBeDefined();
        expect(sameBits(tensor, ref!), `${prefix}.${k}`).toBe(true);
      }
    }
    expect(ckpt.stateDict('g_ema').size + ckpt.stateDict('d').size).toBe(345);
  });

  it('g differs from g_ema except the FIR kernels', () => {
    const g = ckpt.stateDict('g');
    const gEma = ckpt.stateDict('g_ema');
    expect([...g.keys()]).toEqual([...gEma.keys()]);
    for (const [k, tensor] of g) {
      expect(sameBits(tensor, gEma.get(k)!), k).toBe(k.endsWith('kernel'));
    }
  });

  it('args: the argparse.Namespace fields as a plain object', () => {
    const args = ckpt.args()!;
    expect(args.size).toBe(64);
    expect(args.seg_dim).toBe(5);
    expect(args.latent).toBe(64);
    expect(args.lr).toBe(0.002);
    expect(args.ckpt).toBe(null);
    expect(args.transparent_dims).toEqual([]);
    expect(args.channels).toEqual({ 4: 64, 8: 64, 16: 64, 32: 48, 64: 32 });
    // get() keeps the Python dict as a Map with int keys.
    const raw = ckpt.get('args') as Record<string, unknown>;
    expect(raw.channels).toBeInstanceOf(Map);
    expect((raw.channels as Map<number, number>).get(32)).toBe(48);
  });

  it('optimizer states are readable; step is a 0-dim tensor', () => {
    const gOptim = ckpt.get('g_optim') as Map<string, unknown>;
    const state = gOptim.get('state') as Map<number, Map<string, unknown>>;
    expect(state.size).toBe(260);
    const s0 = state.get(0)!;
    const step = s0.get('step') as TorchTensorRef;
    expect(step).toBeInstanceOf(TorchTensorRef);
    expect(step.shape).toEqual([]);
    const stepValue = step.materialize({ name: 'g_optim.state.0.step' });
    expect(stepValue.shape).toEqual([]);
    expect(Array.from(stepValue.data as Float32Array)).toEqual([1]);
    const firstParam = [...ckpt.stateDict('g').values()][0]!;
    expect((s0.get('exp_avg') as TorchTensorRef).shape).toEqual(firstParam.shape);
    const groups = gOptim.get('param_groups') as Map<string, unknown>[];
    expect(groups[0]!.get('lr')).toBeCloseTo(0.0016, 10);
    expect((groups[0]!.get('betas') as number[]).length).toBe(2);
    const dState = (ckpt.get('d_optim') as Map<string, unknown>).get('state') as Map<number, unknown>;
    expect(dState.size).toBe(50);
  });

  it('does not depend on the root folder name, and reads deflated members', async () => {
    // Re-pack under another root, deflating data.pkl and one storage.
    const src = ZipArchive.open(bytes);
    const members = src.entries.map((e) => {
      const data = src.readStored(e, { verifyCrc: false });
      const name = `renamed_ckpt/${e.name.slice(e.name.indexOf('/') + 1)}`;
      const deflate = e.name.endsWith('data.pkl') || e.name.endsWith('/data/0');
      return deflate ? { name, data, deflated: new Uint8Array(deflateRawSync(data)) } : { name, data };
    });
    const other = await openTorchCheckpoint(buildZip(members), { verifyStorageCrc: true });
    expect(other.root).toBe('renamed_ckpt');
    const a = other.stateDict('g_ema');
    for (const [k, tensor] of ckpt.stateDict('g_ema')) expect(sameBits(a.get(k)!, tensor), k).toBe(true);
  });
});

describe('openTorchCheckpoint on hand-built archives', () => {
  it('materialises offsets, strided views, shared storages and dtypes', async () => {
    const storage0 = f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3800]).buffer); // 1, -2, 0.5
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0x4049]).buffer); // 1, 3.140625
    const f64 = new Uint8Array(new Float64Array([0.1, -3]).buffer);
    const i64 = new Uint8Array(new BigInt64Array([-2n, 2n ** 40n]).buffer);
    const i32 = new Uint8Array(new Int32Array([7, -8]).buffer);
    const bool = new Uint8Array([1, 0, 2]);
    const sd: [PyValue, PyValue][] = [
      ['full', t({ key: '0', numel: 12, size: [3, 4] })],
      // transpose of `full`: shape [4, 3], strides [1, 4] on the same storage
      ['transposed', t({ key: '0', numel: 12, size: [4, 3], stride: [1, 4] })],
      ['offset', t({ key: '0', numel: 12, size: [2], offset: 10 })],
      ['column', t({ key: '0', numel: 12, size: [3, 1], stride: [4, 1], offset: 2 })],
      ['strided3d', t({ key: '0', numel: 12, size: [2, 2, 2], stride: [6, 1, 3] })],
      ['broadcast', t({ key: '0', numel: 12, size: [2, 3], stride: [0, 1], offset: 5 })],
      ['scalar', t({ key: '0', numel: 12, size: [], offset: 7 })],
      ['empty', t({ key: '0', numel: 12, size: [0, 5] })],
      ['half', t({ key: '1', numel: 3, size: [3], storageClass: 'HalfStorage' })],
      ['bf16', t({ key: '2', numel: 2, size: [2], storageClass: 'BFloat16Storage' })],
      ['f64', t({ key: '3', numel: 2, size: [2], storageClass: 'DoubleStorage' })],
      ['i64', t({ key: '4', numel: 2, size: [2], storageClass: 'LongStorage' })],
      ['i32', t({ key: '5', numel: 2, size: [1, 2], storageClass: 'IntStorage' })],
      ['bool', t({ key: '6', numel: 3, size: [3], storageClass: 'BoolStorage' })],
    ];
    const file = buildCheckpoint(pickleOf(new Map([['model', { ordered: sd }]])), {
      0: storage0,
      1: half,
      2: bf16,
      3: f64,
      4: i64,
      5: i32,
      6: bool,
    });
    const warnings: string[] = [];
    const ckpt = await openTorchCheckpoint(file, { onWarning: (m) => warnings.push(m) });
    const s = ckpt.stateDict('model');
    const arr = (k: string) => Array.from(s.get(k)!.data as ArrayLike<number | bigint>);
    expect([...s.keys()]).toEqual(sd.map(([k]) => k));
    expect(arr('full')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(s.get('transposed')!.shape).toEqual([4, 3]);
    expect(arr('transposed')).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(arr('offset')).toEqual([10, 11]);
    expect(arr('column')).toEqual([2, 6, 10]);
    expect(arr('strided3d')).toEqual([0, 3, 1, 4, 6, 9, 7, 10]);
    expect(arr('broadcast')).toEqual([5, 6, 7, 5, 6, 7]);
    expect(arr('scalar')).toEqual([7]);
    expect(s.get('scalar')!.shape).toEqual([]);
    expect(s.get('empty')!.data.length).toBe(0);
    expect(arr('half')).toEqual([1, -2, 0.5]);
    expect(arr('bf16')).toEqual([1, 3.140625]);
    expect(arr('f64')).toEqual([Math.fround(0.1), -3]);
    expect(s.get('f64')!.dtype).toBe('float32');
    expect(warnings.some((w) => w.includes('"model.f64"') && w.includes('float64'))).toBe(true);
    expect(s.get('i64')!.dtype).toBe('int64');
    expect(arr('i64')).toEqual([-2n, 2n ** 40n]);
    expect(s.get('i32')!.dtype).toBe('int32');
    expect(arr('i32')).toEqual([7, -8]);
    expect(s.get('bool')!.dtype).toBe('bool');
    expect(arr('bool')).toEqual([1, 0, 1]);
    // Every materialised array is fresh, aligned and independent of the archive.
    for (const v of s.values()) expect(v.data.buffer).not.toBe(file.buffer);
    expect(ckpt.args()).toBeUndefined();
  });

  it('reads a file that is itself a state dict (stateDict() without a key)', async () => {
    const file = buildCheckpoint(pickleOf({ ordered: [['w', t({ key: '0', numel: 2, size: [2] })]] }), { 0: f32([1, 2]) });
    const ckpt = await openTorchCheckpoint(file);
    expect(ckpt.keys).toEqual(['w']);
    expect(Array.from(ckpt.stateDict().get('w')!.data as Float32Array)).toEqual([1, 2]);
  });

  it('storages are read lazily: a bad storage fails only when its tensor is materialised', async () => {
    const sd = new Map<PyValue, PyValue>([
      ['good', t({ key: '0', numel: 2, size: [2] })],
      ['bad', t({ key: '1', numel: 2, size: [2] })],
    ]);
    const members = [
      { name: 'a/data.pkl', data: pickleOf(new Map([['sd', sd]])) },
      { name: 'a/data/0', data: f32([1, 2]) },
      { name: 'a/data/1', data: f32([3, 4]), crc: 0xdeadbeef },
    ];
    const ckpt = await openTorchCheckpoint(buildZip(members), { verifyStorageCrc: true });
    const refs = ckpt.get('sd') as Map<string, TorchTensorRef>;
    expect(Array.from(refs.get('good')!.materialize().data as Float32Array)).toEqual([1, 2]);
    const e = await errorOf(() => refs.get('bad')!.materialize({ name: 'sd.bad' }));
    expect(e.code).toBe('E_CHECKPOINT_CORRUPT');
    expect(e.message).toMatch(/"a\/data\/1".*CRC-32/);
    // Without the flag, storages are not CRC-checked.
    const lax = await openTorchCheckpoint(buildZip(members));
    expect(lax.stateDict('sd').size).toBe(2);
  });

  it('refuses os.system via GLOBAL + REDUCE with E_CHECKPOINT_UNSAFE; nothing runs', async () => {
    const w = new PickleWriter().proto(2).global('os', 'system').str('touch /tmp/semstyle-pwned').op(0x85, 0x52).stop();
    const e = await errorOf(() => openTorchCheckpoint(buildCheckpoint(w.bytes(), {})));
    expect(e.code).toBe('E_CHECKPOINT_UNSAFE');
    expect(e.message).toContain('"os.system"');
    expect(e.message).toContain('Nothing was executed');
    expect(existsSync('/tmp/semstyle-pwned')).toBe(false);
  });

  it('refuses other dangerous or unknown globals, also nested inside a state dict', async () => {
    for (const [module, name] of [
      ['builtins', 'eval'],
      ['__builtin__', 'eval'],
      ['posix', 'system'],
      ['subprocess', 'Popen'],
      ['torch', 'load'],
      ['torch._utils', '_rebuild_device_tensor_from_numpy'],
      ['numpy.core.multiarray', '_reconstruct'],
      ['my_project.models', 'Generator'],
    ] as const) {
      const w = new PickleWriter().proto(2).op(0x7d).str('g').global(module, name).str('x').op(0x85, 0x52).op(0x73).stop();
      const e = await errorOf(() => openTorchCheckpoint(buildCheckpoint(w.bytes(), {})));
      expect(e.code, `${module}.${name}`).toBe('E_CHECKPOINT_UNSAFE');
      expect(e.message).toContain(`"${module}.${name}"`);
    }
  });

  it('an unknown opcode is a typed error naming it', async () => {
    const bytes = new Uint8Array([0x80, 2, 0x7d, 0x31, 0x2e]); // POP_MARK
    const e = await errorOf(() => openTorchCheckpoint(buildCheckpoint(bytes, {})));
    expect(e.code).toBe('E_CHECKPOINT_FORMAT');
    expect(e.message).toMatch(/POP_MARK.*offset 3/);
  });

  it('a storage shorter than the tensor needs', async () => {
    // Pickle says the storage holds 4 elements; the tensor views 8.
    const file = buildCheckpoint(pickleOf(new Map([['sd', new Map([['w', t({ key: '0', numel: 4, size: [8] })]])]])), {
      0: f32([1, 2, 3, 4]),
    });
    const ckpt = await openTorchCheckpoint(file);
    const e = await errorOf(() => ckpt.stateDict('sd'));
    expect(e.code).toBe('E_CHECKPOINT_CORRUPT');
    expect(e.message).toMatch(/storage "0" holds 4 elements, tensor "sd.w" needs 8/);
    // Pickle says 8 elements but the member only has 4.
    const short = buildCheckpoint(pickleOf(new Map([['sd', new Map([['w', t({ key: '0', numel: 8, size: [8] })]])]])), {
      0: f32([1, 2, 3, 4]),
    });
    const e2 = await errorOf(async () => (await openTorchCheckpoint(short)).stateDict('sd'));
    expect(e2.code).toBe('E_CHECKPOINT_CORRUPT');
    expect(e2.message).toMatch(/storage "0" \(FloatStorage\) is 16 bytes, its 8 elements need 32/);
  });

  it('a broadcast view too large to materialise is refused before allocating', async () => {
    const file = buildCheckpoint(
      pickleOf(new Map([['sd', new Map([['w', t({ key: '0', numel: 1, size: [65536, 65536], stride: [0, 0] })]])]])),
      { 0: f32([1]) },
    );
    const e = await errorOf(async () => (await openTorchCheckpoint(file)).stateDict('sd'));
    expect(e.code).toBe('E_CHECKPOINT_FORMAT');
    expect(e.message).toMatch(/"sd.w" has 4294967296 elements/);
  });

  it('a storage member missing from the zip', async () => {
    const file = buildCheckpoint(pickleOf(new Map([['sd', new Map([['w', t({ key: '9', numel: 1, size: [1] })]])]])), {});
    const e = await errorOf(() => openTorchCheckpoint(file));
    expect(e.code).toBe('E_CHECKPOINT_CORRUPT');
    expect(e.message).toMatch(/storage "9".*missing/);
  });

  it('a zip with a truncated member', async () => {
    const file = buildCheckpoint(pickleOf(new Map([['sd', new Map([['w', t({ key: '0', numel: 2, size: [2] })]])]])), {
      0: f32([1, 2]),
    }, { zip64: false });
    // Enlarge the recorded size of "archive/data/0" in the central directory.
    const dv = new DataView(file.buffer);
    const zip = ZipArchive.open(file);
    let p = dv.getUint32(file.length - 22 + 16, true);
    for (const e of zip.entries) {
      if (e.name === 'archive/data/0') {
        dv.setUint32(p + 20, 4000, true);
        dv.setUint32(p + 24, 4000, true);
      }
      p += 46 + new TextEncoder().encode(e.name).length;
    }
    const e = await errorOf(() => openTorchCheckpoint(file));
    expect(e.code).toBe('E_CHECKPOINT_CORRUPT');
    expect(e.message).toContain('"archive/data/0" is truncated');
  });

  it('a truncated file', async () => {
    const file = buildCheckpoint(pickleOf(new Map([['x', 1]])), {});
    const e = await errorOf(() => openTorchCheckpoint(file.subarray(0, file.length - 40)));
    expect(e.code).toBe('E_CHECKPOINT_CORRUPT');
  });

  it('a non-zip file, a legacy torch file and a safetensors file are E_CHECKPOINT_FORMAT', async () => {
    const text = await errorOf(() => openTorchCheckpoint(new TextEncoder().encode('{"not": "a checkpoint"}')));
    expect(text.code).toBe('E_CHECKPOINT_FORMAT');
    const legacy = new Uint8Array([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
    const e = await errorOf(() => openTorchCheckpoint(legacy));
    expect(e.code).toBe('E_CHECKPOINT_FORMAT');
    expect(e.message).toMatch(/legacy/);
    if (haveFixtures) {
      const st = await errorOf(() => openTorchCheckpoint(new Uint8Array(readFileSync(WEIGHTS))));
      expect(st.code).toBe('E_CHECKPOINT_FORMAT');
    }
  });

  it('a zip without data.pkl', async () => {
    const file = buildZip([{ name: 'model/version', data: new TextEncoder().encode('3\n') }]);
    const e = await errorOf(() => openTorchCheckpoint(file));
    expect(e.code).toBe('E_CHECKPOINT_FORMAT');
    expect(e.message).toContain('"model/data.pkl"');
  });

  it('a second top folder, or members outside a folder', async () => {
    const pkl = pickleOf(new Map([['x', 1]]));
    const two = buildZip([
      { name: 'a/data.pkl', data: pkl },
      { name: 'b/data.pkl', data: pkl },
    ]);
    const e = await errorOf(() => openTorchCheckpoint(two));
    expect(e.code).toBe('E_CHECKPOINT_FORMAT');
    expect(e.message).toMatch(/2 top-level folders \(a, b\)/);
    const loose = buildZip([{ name: 'data.pkl', data: pkl }]);
    expect((await errorOf(() => openTorchCheckpoint(loose))).code).toBe('E_CHECKPOINT_FORMAT');
  });

  it('a corrupted data.pkl fails its CRC check', async () => {
    const pkl = pickleOf(new Map([['x', 1]]));
    const file = buildZip([{ name: 'a/data.pkl', data: pkl, crc: 1 }]);
    const e = await errorOf(() => openTorchCheckpoint(file));
    expect(e.code).toBe('E_CHECKPOINT_CORRUPT');
    expect(e.message).toContain('"a/data.pkl"');
  });

  it('NaN weights: allowed by default, warned or refused on request', async () => {
    const file = buildCheckpoint(pickleOf(new Map([['sd', new Map([['w', t({ key: '0', numel: 3, size: [3] })]])]])), {
      0: f32([1, NaN, Infinity]),
    });
    const ckpt = await openTorchCheckpoint(file);
    expect(Number.isNaN((ckpt.stateDict('sd').get('w')!.data as Float32Array)[1])).toBe(true);
    const warnings: string[] = [];
    ckpt.stateDict('sd', { nonFinite: 'warn', onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"sd.w".*2 non-finite/);
    const e = await errorOf(() => ckpt.stateDict('sd', { nonFinite: 'error' }));
    expect(e.code).toBe('E_WEIGHTS_NON_FINITE');
    expect(e.message).toContain('"sd.w"');
  });

  it('stateDict on a missing key or a non-tensor entry', async () => {
    const file = buildCheckpoint(pickleOf(new Map<PyValue, PyValue>([['sd', new Map([['n', 3]])]])), {});
    const ckpt = await openTorchCheckpoint(file);
    expect((await errorOf(() => ckpt.stateDict('nope'))).code).toBe('E_WEIGHTS_MISSING');
    const e = await errorOf(() => ckpt.stateDict('sd'));
    expect(e.code).toBe('E_CHECKPOINT_FORMAT');
    expect(e.message).toContain('"n" is not a tensor');
  });

  it('unsupported storage dtypes are refused on materialisation with E_UNSUPPORTED_DTYPE', async () => {
    const file = buildCheckpoint(
      pickleOf(new Map([['sd', new Map([['u8', t({ key: '0', numel: 2, size: [2], storageClass: 'ByteStorage' })]])]])),
      { 0: new Uint8Array([1, 2]) },
    );
    const ckpt = await openTorchCheckpoint(file);
    const e = await errorOf(() => ckpt.stateDict('sd'));
    expect(e.code).toBe('E_UNSUPPORTED_DTYPE');
    expect(e.message).toMatch(/"sd.u8".*ByteStorage/);
  });

  it('args as a dict, with nested dicts converted', async () => {
    const w = new PickleWriter().proto(2).op(0x7d).str('args');
    w.global('argparse', 'Namespace').op(0x29, 0x81); // NEWOBJ Namespace()
    w.value(new Map<PyValue, PyValue>([['size', 256], ['channels', new Map([[4, 512]])], ['__proto__', 'x'], ['dims', { tuple: [1, 2] }]]));
    w.op(0x62).op(0x73).stop(); // BUILD, SETITEM
    const ckpt = await openTorchCheckpoint(buildCheckpoint(w.bytes(), {}));
    const args = ckpt.args()!;
    expect(args.size).toBe(256);
    expect(args.channels).toEqual({ 4: 512 });
    expect(args.dims).toEqual([1, 2]);
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(args, '__proto__')).toBe(true);
  });
});
