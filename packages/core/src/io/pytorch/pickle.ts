/**
 * A data-only pickle virtual machine: the opcodes torch.save emits (protocol 2, plus the few
 * protocol 4 ones that cost nothing), and nothing that runs code. GLOBAL / STACK_GLOBAL go through
 * `findGlobal`, which must refuse names it does not know (so the check happens when the name is read,
 * before any REDUCE); REDUCE / NEWOBJ / BUILD only dispatch to the JS handlers of such allowed
 * globals. Any other opcode is an error naming it and its offset.
 *
 * Python values become: None → null, bool → boolean, int → number (bigint beyond 2^53), float →
 * number, str → string, bytes → Uint8Array, list → array, tuple → frozen array, dict → Map
 * (insertion order, keys as above), set/frozenset → Set.
 */
import { CheckpointError } from '../../contract/errors.js';

/** A Python global that passed the allow-list. Handlers build plain JS values; nothing is executed. */
export interface PickleGlobal {
  readonly module: string;
  readonly name: string;
  /** REDUCE: `callable(*args)`. */
  reduce?(args: readonly unknown[]): unknown;
  /** NEWOBJ: `cls.__new__(cls, *args)`. */
  newobj?(args: readonly unknown[]): unknown;
}

export interface UnpickleHooks {
  /** Resolve GLOBAL / STACK_GLOBAL. Must throw (E_CHECKPOINT_UNSAFE) for names not allowed. */
  findGlobal(module: string, name: string, offset: number): PickleGlobal;
  /** BINPERSID: turn a persistent id into a value (torch: storages). */
  persistentLoad?(pid: unknown, offset: number): unknown;
  /** BUILD on an object the VM did not create itself (e.g. a handler's result). Return false to reject. */
  build?(target: unknown, state: unknown): boolean;
}

/** Opcode names, for error messages about opcodes this VM does not implement. */
const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT',
  0x4a: 'BININT', 0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID',
  0x51: 'BINPERSID', 0x52: 'REDUCE', 0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT',
  0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET', 0x69: 'INST', 0x6a: 'LONG_BINGET',
  0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT',
  0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT', 0x80: 'PROTO',
  0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2',
  0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL',
  0x94: 'MEMOIZE', 0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

export function opcodeName(op: number): string {
  return OPCODE_NAMES[op] ?? 'unknown';
}

/** Run the pickle in `bytes` and return the value STOP leaves. */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const memo = new Map<number, unknown>();
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  let pos = 0;
  let opStart = 0;

  const fail = (message: string, details: Record<string, unknown> = {}): never => {
    throw new CheckpointError('E_CHECKPOINT_CORRUPT', `pickle: ${message} (offset ${opStart}).`, {
      details: { offset: opStart, ...details },
    });
  };
  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.length) fail(`truncated: needs ${n} more bytes, ${bytes.length - pos} left`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => bytes[need(1)]!;
  const u16 = (): number => dv.getUint16(need(2), true);
  const u32 = (): number => dv.getUint32(need(4), true);
  const u64 = (): number => {
    const v = dv.getBigUint64(need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is out of range`);
    return Number(v);
  };
  const text = (n: number): string => {
    const at = need(n);
    try {
      return utf8.decode(bytes.subarray(at, at + n));
    } catch (cause) {
      return fail('string is not valid UTF-8', { cause });
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('GLOBAL name is not newline-terminated');
    const s = text(end - pos);
    pos++; // the newline
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = marks.pop();
    if (prev === undefined) fail('no MARK on the stack');
    stack = prev!;
    return items;
  };
  const resolve = (module: string, name: string): PickleGlobal => hooks.findGlobal(module, name, opStart);
  const asDict = (v: unknown, op: string): Map<unknown, unknown> => {
    if (!(v instanceof Map)) fail(`${op} on a ${describe(v)}, not a dict`);
    return v as Map<unknown, unknown>;
  };
  const asList = (v: unknown, op: string): unknown[] => {
    if (!Array.isArray(v) || Object.isFrozen(v)) fail(`${op} on a ${describe(v)}, not a list`);
    return v as unknown[];
  };
  const asGlobal = (v: unknown, op: string): PickleGlobal => {
    if (!isGlobal(v)) fail(`${op} on a ${describe(v)}, not an allowed global`);
    return v as PickleGlobal;
  };
  const tuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);

  for (;;) {
    opStart = pos;
    if (pos >= bytes.length) fail('ended without STOP');
    const op = bytes[pos++]!;
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unsupported pickle protocol');
        break;
      case 0x95: // FRAME: framing is transparent once the whole pickle is in memory
        u64();
        break;
      case 0x2e: // STOP
        if (marks.length !== 0 || stack.length !== 1) fail(`STOP with ${stack.length} values and ${marks.length} marks on the stack`);
        return stack[0];
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const idx = op === 0x68 ? u8() : u32();
        if (!memo.has(idx)) fail(`memo entry ${idx} does not exist`);
        stack.push(memo.get(idx));
        break;
      }
      case 0x4a: // BININT
        stack.push(dv.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: { // LONG1: n-byte little-endian two's complement
        const n = u8();
        const at = need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
        if (n > 0 && bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT: big-endian double
        stack.push(dv.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x43: // SHORT_BINBYTES
      case 0x42: // BINBYTES
      case 0x8e: { // BINBYTES8
        const n = op === 0x43 ? u8() : op === 0x42 ? u32() : u64();
        const at = need(n);
        stack.push(bytes.slice(at, at + n));
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b, c]));
        break;
      }
      case 0x74: { // TUPLE (pop first: popMark replaces `stack`)
        const items = popMark();
        stack.push(tuple(items));
        break;
      }
      case 0x91: { // FROZENSET
        const items = popMark();
        stack.push(new Set(items));
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        asDict(top(), 'SETITEM').set(hashable(k, fail), v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
        const d = asDict(top(), 'SETITEMS');
        for (let i = 0; i < items.length; i += 2) d.set(hashable(items[i], fail), items[i + 1]);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        asList(top(), 'APPEND').push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const l = asList(top(), 'APPENDS');
        for (const v of items) l.push(v);
        break;
      }
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`ADDITEMS on a ${describe(s)}, not a set`);
        for (const v of items) (s as Set<unknown>).add(v);
        break;
      }
      case 0x63: { // GLOBAL: "module\nname\n"; the allow-list runs here, before anything can call it
        const module = line();
        const name = line();
        stack.push(resolve(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolve(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = asGlobal(pop(), 'REDUCE');
        if (!Array.isArray(args)) fail(`REDUCE ${fn.module}.${fn.name} with ${describe(args)} arguments, not a tuple`);
        if (!fn.reduce) fail(`${fn.module}.${fn.name} cannot be called (REDUCE)`);
        stack.push(fn.reduce!(args as unknown[]));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop();
        const cls = asGlobal(pop(), 'NEWOBJ');
        if (!Array.isArray(args)) fail(`NEWOBJ ${cls.module}.${cls.name} with ${describe(args)} arguments, not a tuple`);
        if (!cls.newobj) fail(`${cls.module}.${cls.name} cannot be instantiated (NEWOBJ)`);
        stack.push(cls.newobj!(args as unknown[]));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        if (!(hooks.build?.(target, state) ?? false)) fail(`BUILD on a ${describe(target)} is not supported`);
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!hooks.persistentLoad) fail('persistent ids are not supported here');
        stack.push(hooks.persistentLoad!(pid, opStart));
        break;
      }
      default: {
        const name = opcodeName(op);
        const printable = op >= 0x20 && op < 0x7f ? ` '${String.fromCharCode(op)}'` : '';
        // INST / OBJ / EXT* / NEWOBJ_EX import or call objects by other routes than the checked GLOBAL.
        const unsafe = name === 'INST' || name === 'OBJ' || name === 'NEWOBJ_EX' || name.startsWith('EXT');
        throw new CheckpointError(
          unsafe ? 'E_CHECKPOINT_UNSAFE' : 'E_CHECKPOINT_FORMAT',
          `pickle: unsupported opcode ${name} (0x${op.toString(16).padStart(2, '0')}${printable}) at offset ${opStart}.`,
          { details: { opcode: op, opcodeName: name, offset: opStart } },
        );
      }
    }
  }
}

export function isGlobal(v: unknown): v is PickleGlobal {
  return typeof v === 'object' && v !== null && GLOBAL_TAG in v;
}

/** Tag handlers' objects so REDUCE cannot be pointed at arbitrary values. */
export const GLOBAL_TAG = Symbol('pickle.global');

export function makeGlobal(module: string, name: string, handlers: Omit<PickleGlobal, 'module' | 'name'> = {}): PickleGlobal {
  return Object.freeze({ [GLOBAL_TAG]: true, module, name, ...handlers });
}

function hashable(k: unknown, fail: (m: string) => never): unknown {
  // Python dict keys must be hashable; mutable containers here mean a malformed pickle.
  if (k instanceof Map || k instanceof Set || (Array.isArray(k) && !Object.isFrozen(k))) fail(`unhashable dict key (${describe(k)})`);
  return k;
}

export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof Map) return 'dict';
  if (v instanceof Set) return 'set';
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'tuple' : 'list';
  if (isGlobal(v)) return `global ${v.module}.${v.name}`;
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v;
}
