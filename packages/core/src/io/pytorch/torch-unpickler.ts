/**
 * The allow-list of Python globals a torch.save checkpoint may name, and the plain-JS values they
 * build. Everything else is refused with E_CHECKPOINT_UNSAFE as soon as the GLOBAL opcode names it,
 * so no REDUCE ever sees it. Nothing is executed: each allowed callable is a small JS function.
 *
 * Values: tensors → TorchTensorRef (lazy); argparse.Namespace → a plain object of its fields;
 * collections.OrderedDict → Map; torch.Size → frozen number array; set/frozenset → Set.
 */
import { CheckpointError } from '../../contract/errors.js';
import type { WireDType } from '../host-decode.js';
import { describe, makeGlobal, unpickle, type PickleGlobal } from './pickle.js';
import { TorchStorageRef, TorchTensorRef, type StorageType } from './tensor-ref.js';

/** Storage classes: data markers inside persistent ids, never called. */
const STORAGE_TYPES: Readonly<Record<string, { wire: WireDType | undefined; itemSize: number }>> = {
  FloatStorage: { wire: 'float32', itemSize: 4 },
  HalfStorage: { wire: 'float16', itemSize: 2 },
  BFloat16Storage: { wire: 'bfloat16', itemSize: 2 },
  // float64 is narrowed to float32 on materialisation (with a warning): HostTensor has no float64.
  DoubleStorage: { wire: 'float64', itemSize: 8 },
  LongStorage: { wire: 'int64', itemSize: 8 },
  IntStorage: { wire: 'int32', itemSize: 4 },
  BoolStorage: { wire: 'bool', itemSize: 1 },
  // Known to torch and harmless, but no HostTensor dtype: readable as values, refused on materialise.
  ByteStorage: { wire: undefined, itemSize: 1 },
  CharStorage: { wire: undefined, itemSize: 1 },
  ShortStorage: { wire: undefined, itemSize: 2 },
  UntypedStorage: { wire: undefined, itemSize: 1 },
};

/** Plain objects made by NEWOBJ argparse.Namespace, so BUILD knows it may set their fields. */
type Namespace = Record<string, unknown>;

export interface TorchUnpickleContext {
  /** Raw bytes of `<root>/data/<key>`, or throws if the member is missing. */
  loadStorage(key: string): Uint8Array;
  /** Whether `<root>/data/<key>` exists (checked when the pickle names it). */
  hasStorage(key: string): boolean;
}

export function unpickleTorch(pickle: Uint8Array, ctx: TorchUnpickleContext): unknown {
  const namespaces = new WeakSet<object>();
  const storageTypes = new Map<PickleGlobal, StorageType>();
  const storages = new Map<string, TorchStorageRef>();
  const rawCache = new Map<string, Uint8Array>();

  const format = (message: string, details: Record<string, unknown> = {}): never => {
    throw new CheckpointError('E_CHECKPOINT_FORMAT', message, { details });
  };

  const newNamespace = (args: readonly unknown[]): Namespace => {
    if (args.length !== 0) format(`argparse.Namespace built with ${args.length} positional arguments.`);
    const ns: Namespace = {};
    namespaces.add(ns);
    return ns;
  };

  const rebuildTensor = (args: readonly unknown[]): TorchTensorRef => {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    if (args.length < 6 || args.length > 7) format(`_rebuild_tensor_v2 called with ${args.length} arguments.`);
    const [storage, offset, size, stride, requiresGrad] = args;
    if (!(storage instanceof TorchStorageRef)) return format(`_rebuild_tensor_v2: storage is a ${describe(storage)}.`);
    if (!isIndex(offset)) return format(`_rebuild_tensor_v2: invalid storage offset ${String(offset)}.`);
    const shape = intTuple(size, 'size');
    const strides = intTuple(stride, 'stride');
    if (shape.length !== strides.length) format(`_rebuild_tensor_v2: size [${shape}] and stride [${strides}] differ in rank.`);
    return new TorchTensorRef(storage, offset, shape, strides, requiresGrad === true);
  };

  const intTuple = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v) || !v.every(isIndex)) return format(`_rebuild_tensor_v2: ${what} is not a tuple of non-negative ints.`);
    return v.slice() as number[];
  };

  const firstArgTensor = (fn: string) => (args: readonly unknown[]) => {
    if (!(args[0] instanceof TorchTensorRef)) format(`${fn}: first argument is a ${describe(args[0])}, not a tensor.`);
    return args[0];
  };

  const allowed = new Map<string, PickleGlobal>();
  const allow = (module: string, name: string, h: Omit<PickleGlobal, 'module' | 'name'> = {}): PickleGlobal => {
    const g = makeGlobal(module, name, h);
    allowed.set(`${module}.${name}`, g);
    return g;
  };
  allow('torch._utils', '_rebuild_tensor_v2', { reduce: rebuildTensor });
  allow('torch._utils', '_rebuild_parameter', { reduce: firstArgTensor('_rebuild_parameter') });
  allow('torch._utils', '_rebuild_parameter_with_state', { reduce: firstArgTensor('_rebuild_parameter_with_state') });
  const ordered = (args: readonly unknown[]): Map<unknown, unknown> => {
    const m = new Map<unknown, unknown>();
    if (args.length === 0) return m;
    if (args.length !== 1 || !Array.isArray(args[0])) return format('collections.OrderedDict built from unsupported arguments.');
    for (const pair of args[0] as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) format('collections.OrderedDict item is not a pair.');
      m.set((pair as unknown[])[0], (pair as unknown[])[1]);
    }
    return m;
  };
  allow('collections', 'OrderedDict', { reduce: ordered, newobj: ordered });
  allow('argparse', 'Namespace', { reduce: newNamespace, newobj: newNamespace });
  allow('torch', 'Size', {
    reduce: (args) => {
      const dims = args.length === 0 ? [] : args[0];
      if (!Array.isArray(dims) || !dims.every(isIndex)) return format('torch.Size built from something other than a tuple of ints.');
      return Object.freeze(dims.slice());
    },
  });
  const makeSet = (args: readonly unknown[]): Set<unknown> => {
    if (args.length === 0) return new Set();
    const items = args[0];
    if (!Array.isArray(items) && !(items instanceof Set)) return format('set built from a non-sequence.');
    return new Set(items as Iterable<unknown>);
  };
  // Protocol-2 pickles written by Python 3 name builtins "__builtin__" (Python 2 compatibility).
  for (const mod of ['builtins', '__builtin__']) {
    allow(mod, 'set', { reduce: makeSet });
    allow(mod, 'frozenset', { reduce: makeSet });
  }
  for (const [name, t] of Object.entries(STORAGE_TYPES)) {
    const g = allow('torch', name);
    storageTypes.set(g, { name, ...t });
  }
  storageTypes.set(allow('torch.storage', 'UntypedStorage'), { name: 'UntypedStorage', ...STORAGE_TYPES.UntypedStorage! });

  const persistentLoad = (pid: unknown): TorchStorageRef => {
    // ('storage', storage_type, key, location, numel) as torch.serialization.persistent_id writes it.
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      return format(`unsupported persistent id ${describe(pid)} (expected ('storage', type, key, location, numel)).`);
    }
    const [, typeGlobal, key, location, numel] = pid as unknown[];
    const type = storageTypes.get(typeGlobal as PickleGlobal);
    if (type === undefined) return format(`persistent id names ${describe(typeGlobal)}, not a storage class.`);
    if (typeof key !== 'string' || typeof location !== 'string' || !isIndex(numel)) {
      return format('persistent id has a malformed key, location or size.');
    }
    const id = `${key}\u0000${type.name}`;
    let s = storages.get(id);
    if (s === undefined) {
      if (!ctx.hasStorage(key)) {
        throw new CheckpointError('E_CHECKPOINT_CORRUPT', `storage "${key}" is referenced by data.pkl but its data/${key} member is missing.`, {
          details: { storage: key },
        });
      }
      const load = (): Uint8Array => {
        let raw = rawCache.get(key);
        if (raw === undefined) rawCache.set(key, (raw = ctx.loadStorage(key)));
        return raw;
      };
      s = new TorchStorageRef(key, type, numel, location, load);
      storages.set(id, s);
    }
    return s;
  };

  return unpickle(pickle, {
    findGlobal(module, name, offset) {
      const g = allowed.get(`${module}.${name}`);
      if (g) return g;
      throw new CheckpointError(
        'E_CHECKPOINT_UNSAFE',
        `checkpoint pickle names the Python global "${module}.${name}" (offset ${offset}), which is not on the allow-list ` +
          'of data-only torch types; refusing to load it. Nothing was executed.',
        { details: { global: `${module}.${name}`, offset } },
      );
    },
    persistentLoad,
    build(target, state) {
      if (namespaces.has(target as object)) {
        // Namespace state is its __dict__, or (dict, slots) — both plain name → value maps.
        const parts = Array.isArray(state) && Object.isFrozen(state) ? (state as unknown[]) : [state];
        for (const part of parts) {
          if (part === null) continue;
          if (!(part instanceof Map)) return false;
          for (const [k, v] of part) {
            if (typeof k !== 'string') return false;
            // defineProperty: a field named "__proto__" must stay a field.
            Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
          }
        }
        return true;
      }
      // OrderedDict state is its attribute dict (state_dict._metadata: module versions) and a
      // Parameter's is its Python attributes: neither is needed, both are dropped.
      return target instanceof Map || target instanceof TorchTensorRef;
    },
  });
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
