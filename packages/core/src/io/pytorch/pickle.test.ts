import { describe, expect, it } from 'vitest';
import { SemstyleError } from '../../contract/errors.js';
import { makeGlobal, unpickle, type UnpickleHooks } from './pickle.js';
import { PickleWriter, pickleOf } from './test-builders.js';
import { unpickleTorch } from './torch-unpickler.js';

/** Hooks that allow nothing: any GLOBAL is refused. */
const NO_GLOBALS: UnpickleHooks = {
  findGlobal: (m, n) => {
    throw new Error(`unexpected global ${m}.${n}`);
  },
};

const noStorage = { hasStorage: () => true, loadStorage: () => new Uint8Array(0) };

function errorOf(fn: () => unknown): SemstyleError {
  try {
    fn();
  } catch (e) {
    if (SemstyleError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('unpickle: values', () => {
  it('decodes the scalar and container opcodes torch uses', () => {
    const w = new PickleWriter().proto(2).op(0x7d).mark();
    w.str('i1').int(200).str('i2').int(40000).str('neg').int(-5).str('big').int(2 ** 30);
    w.str('f').float(0.5).str('t').op(0x88).str('n').op(0x4e);
    w.str('short').op(0x8c, 2, 0x68, 0x69); // SHORT_BINUNICODE 'hi'
    w.str('bytes').op(0x43, 3, 1, 2, 3); // SHORT_BINBYTES
    w.str('long').op(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1); // LONG1 2^64
    w.str('longneg').op(0x8a, 1, 0xff); // LONG1 -1
    w.str('tup').int(1).int(2).op(0x86); // TUPLE2
    w.str('list').op(0x5d).op(0x71, 0).int(7).op(0x61); // list memoised (BINPUT 0), then APPEND
    w.str('again').op(0x68, 0); // BINGET 0: the same list object
    w.op(0x75).stop();
    const v = unpickle(w.bytes(), NO_GLOBALS) as Map<string, unknown>;
    expect(v.get('i1')).toBe(200);
    expect(v.get('i2')).toBe(40000);
    expect(v.get('neg')).toBe(-5);
    expect(v.get('big')).toBe(2 ** 30);
    expect(v.get('f')).toBe(0.5);
    expect(v.get('t')).toBe(true);
    expect(v.get('n')).toBe(null);
    expect(v.get('short')).toBe('hi');
    expect(v.get('bytes')).toEqual(new Uint8Array([1, 2, 3]));
    expect(v.get('long')).toBe(2n ** 64n);
    expect(v.get('longneg')).toBe(-1);
    expect(v.get('tup')).toEqual([1, 2]);
    expect(Object.isFrozen(v.get('tup'))).toBe(true);
    expect(v.get('list')).toEqual([7]);
    expect(v.get('again')).toBe(v.get('list'));
  });

  it('keeps dict insertion order and int keys', () => {
    const v = unpickle(pickleOf(new Map<number, string>([[32, 'a'], [4, 'b']])), NO_GLOBALS) as Map<number, string>;
    expect([...v.keys()]).toEqual([32, 4]);
  });

  it('supports protocol-4 framing, MEMOIZE and STACK_GLOBAL through the same allow-list', () => {
    const w = new PickleWriter().proto(4).op(0x95, 0, 0, 0, 0, 0, 0, 0, 0);
    w.op(0x8c, 11).ascii('collections').op(0x94).op(0x8c, 11).ascii('OrderedDict').op(0x94).op(0x93).op(0x29, 0x52).stop();
    const v = unpickleTorch(w.bytes(), noStorage);
    expect(v).toBeInstanceOf(Map);
    const bad = new PickleWriter().proto(4).op(0x8c, 2).ascii('os').op(0x8c, 6).ascii('system').op(0x93).stop();
    const e = errorOf(() => unpickleTorch(bad.bytes(), noStorage));
    expect(e.code).toBe('E_CHECKPOINT_UNSAFE');
    expect(e.message).toContain('"os.system"');
  });

  it('REDUCE only calls allowed globals, never other values', () => {
    const g = makeGlobal('m', 'f', { reduce: (args) => ({ called: args }) });
    const hooks: UnpickleHooks = { findGlobal: () => g };
    const ok = new PickleWriter().proto(2).global('m', 'f').int(3).op(0x85, 0x52).stop();
    expect(unpickle(ok.bytes(), hooks)).toEqual({ called: [3] });
    // A string where the callable should be.
    const notCallable = new PickleWriter().proto(2).str('os.system').op(0x29, 0x52).stop();
    expect(errorOf(() => unpickle(notCallable.bytes(), hooks)).message).toMatch(/REDUCE on a string/);
  });
});

describe('unpickle: broken and hostile pickles', () => {
  it('unknown or unsupported opcodes name the opcode and offset', () => {
    const pop = errorOf(() => unpickle(new Uint8Array([0x80, 2, 0x4e, 0x30, 0x2e]), NO_GLOBALS));
    expect(pop.code).toBe('E_CHECKPOINT_FORMAT');
    expect(pop.message).toMatch(/opcode POP \(0x30 '0'\) at offset 3/);
    const unknown = errorOf(() => unpickle(new Uint8Array([0x80, 2, 0xff]), NO_GLOBALS));
    expect(unknown.message).toMatch(/opcode unknown \(0xff\) at offset 2/);
    expect(unknown.details.offset).toBe(2);
    // INST imports and calls in one opcode, bypassing GLOBAL: refused as unsafe.
    const inst = new PickleWriter().proto(2).mark().op(0x69).ascii('os\nsystem\n').stop();
    const e = errorOf(() => unpickle(inst.bytes(), NO_GLOBALS));
    expect(e.code).toBe('E_CHECKPOINT_UNSAFE');
    expect(e.message).toMatch(/INST/);
  });

  it('truncation, missing STOP, stack underflow, bad memo, odd SETITEMS are corrupt', () => {
    const cases: [number[], RegExp][] = [
      [[0x80, 2, 0x58, 10, 0, 0, 0, 0x61], /truncated/],
      [[0x80, 2, 0x4e], /without STOP/],
      [[0x80, 2, 0x85, 0x2e], /underflow/],
      [[0x80, 2, 0x68, 5, 0x2e], /memo entry 5/],
      [[0x80, 2, 0x7d, 0x28, 0x4e, 0x75, 0x2e], /odd number/],
      [[0x80, 2, 0x74, 0x2e], /no MARK/],
      [[0x80, 2, 0x4e, 0x4e, 0x2e], /STOP with 2 values/],
      [[0x80, 2, 0x4e, 0x4e, 0x61, 0x2e], /APPEND on a None/],
    ];
    for (const [bytes, re] of cases) {
      const e = errorOf(() => unpickle(new Uint8Array(bytes), NO_GLOBALS));
      expect(e.code).toBe('E_CHECKPOINT_CORRUPT');
      expect(e.message).toMatch(re);
    }
  });

  it('GLOBAL os.system + REDUCE is refused at the GLOBAL, before REDUCE', () => {
    let reduced = false;
    const w = new PickleWriter().proto(2).global('os', 'system');
    const globalOffset = 2;
    w.str('echo pwned').op(0x85, 0x52).stop();
    const hooks: UnpickleHooks = {
      findGlobal: (m, n, offset) => {
        if (m === 'os') throw Object.assign(new Error('refused'), { offset });
        return makeGlobal(m, n, { reduce: () => (reduced = true) });
      },
    };
    expect(() => unpickle(w.bytes(), hooks)).toThrow('refused');
    expect(reduced).toBe(false);
    const e = errorOf(() => unpickleTorch(w.bytes(), noStorage));
    expect(e.code).toBe('E_CHECKPOINT_UNSAFE');
    expect(e.details.offset).toBe(globalOffset);
  });
});
