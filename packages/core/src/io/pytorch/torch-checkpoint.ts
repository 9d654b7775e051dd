/**
 * torch.save (zip format, PyTorch ≥ 1.6) checkpoints: `<root>/data.pkl`, `<root>/data/<key>`,
 * `<root>/version`, maybe `<root>/byteorder`, where <root> is whatever the file was called when
 * saved (never assumed). Opening parses the zip directory and runs the pickle (allow-listed globals
 * only); tensor data stays in the archive until a tensor is materialised.
 *
 * Value tree returned by `get()`: dict / OrderedDict → Map (insertion order, Python keys: str →
 * string, int → number), list → array, tuple → frozen array, argparse.Namespace → plain object,
 * tensor → TorchTensorRef (lazy), None → null, set → Set, bytes → Uint8Array.
 */
import { CheckpointError, WeightsError } from '../../contract/errors.js';
import { checkFinite, type NonFinitePolicy } from '../host-decode.js';
import type { StateDict } from '../host-tensor.js';
import { TorchTensorRef } from './tensor-ref.js';
import { unpickleTorch } from './torch-unpickler.js';
import { ZipArchive, type ZipEntry } from './zip.js';

export interface OpenTorchCheckpointOptions {
  /**
   * Verify each storage's CRC-32 the first time it is read (one extra pass over the data).
   * data.pkl, version and byteorder are always verified. Default false.
   */
  verifyStorageCrc?: boolean;
  /** Receives warnings (float64 narrowed to float32, non-finite values); console.warn when absent. */
  onWarning?: (msg: string) => void;
}

export interface StateDictOptions {
  /** What to do with NaN / ±Infinity in float tensors. Default 'allow'. */
  nonFinite?: NonFinitePolicy;
  onWarning?: (msg: string) => void;
}

export interface TorchCheckpoint {
  /** The archive's top folder (the file stem at save time, or "archive"). */
  readonly root: string;
  /** Top-level dict keys, in order (empty when the pickled object is not a dict). */
  readonly keys: readonly string[];
  /** The whole unpickled object. */
  readonly value: unknown;
  /** A top-level entry as a plain JS tree (see the module comment); undefined when absent. */
  get(key: string): unknown;
  /**
   * Materialise a dict of tensors: `stateDict('g_ema')` for a top-level entry, `stateDict()` when the
   * file itself is a state dict. Keys keep their order; float16/bfloat16/float64 become float32.
   */
  stateDict(key?: string, options?: StateDictOptions): StateDict;
  /**
   * The `args` entry (argparse.Namespace or dict) as a plain object, Python dicts converted to plain
   * objects (int keys become their decimal strings), tuples/sets to arrays. Undefined when absent.
   */
  args(): Record<string, unknown> | undefined;
}

// Pickle protocol 2 header + LONG1 magic 0x1950a86a20f9469cfc6c: the pre-1.6 torch.save format.
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

export async function openTorchCheckpoint(bytes: Uint8Array, options: OpenTorchCheckpointOptions = {}): Promise<TorchCheckpoint> {
  if (LEGACY_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new CheckpointError(
      'E_CHECKPOINT_FORMAT',
      'this is a legacy (pre-PyTorch-1.6) torch.save file; re-save it with a current PyTorch (zip format) or convert it to safetensors.',
    );
  }
  const zip = ZipArchive.open(bytes);
  const root = findRoot(zip.entries);
  const member = (name: string): ZipEntry | undefined => zip.get(`${root}/${name}`);

  if (member('constants.pkl') || zip.entries.some((e) => e.name.startsWith(`${root}/code/`))) {
    throw new CheckpointError(
      'E_CHECKPOINT_FORMAT',
      'this is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; save the state_dict with torch.save instead.',
    );
  }
  const pkl = member('data.pkl');
  if (!pkl) {
    throw new CheckpointError('E_CHECKPOINT_FORMAT', `zip has no "${root}/data.pkl": not a torch.save checkpoint.`, {
      details: { root },
    });
  }
  const byteorder = member('byteorder');
  if (byteorder) {
    const order = new TextDecoder().decode(await zip.read(byteorder)).trim();
    if (order !== 'little') {
      throw new CheckpointError('E_CHECKPOINT_FORMAT', `checkpoint byteorder is "${order}"; only little-endian is supported.`);
    }
  }

  // Deflated members (torch never writes them, other zip tools may) are inflated now so that
  // materialisation can stay synchronous; stored members stay zero-copy views until used.
  const inflated = new Map<string, Uint8Array>();
  const dataPrefix = `${root}/data/`;
  for (const e of zip.entries) {
    if (e.method !== 0 && e.name.startsWith(dataPrefix)) {
      inflated.set(e.name, await zip.read(e, { verifyCrc: options.verifyStorageCrc ?? false }));
    }
  }
  const verifyCrc = options.verifyStorageCrc ?? false;

  const value = unpickleTorch(await zip.read(pkl, { verifyCrc: true }), {
    hasStorage: (key) => zip.get(dataPrefix + key) !== undefined,
    loadStorage: (key) => {
      const name = dataPrefix + key;
      const e = zip.get(name);
      if (!e) throw new CheckpointError('E_CHECKPOINT_CORRUPT', `storage member "${name}" is missing.`, { details: { member: name } });
      return inflated.get(name) ?? zip.readStored(e, { verifyCrc });
    },
  });

  const keys = value instanceof Map ? [...value.keys()].filter((k): k is string => typeof k === 'string') : [];
  const warn = options.onWarning;

  const get = (key: string): unknown => (value instanceof Map ? value.get(key) : undefined);

  return {
    root,
    keys,
    value,
    get,
    stateDict(key?: string, sdOptions: StateDictOptions = {}): StateDict {
      const dict = key === undefined ? value : get(key);
      const label = key === undefined ? 'checkpoint' : `"${key}"`;
      if (dict === undefined && key !== undefined) {
        throw new WeightsError('E_WEIGHTS_MISSING', `checkpoint has no entry "${key}"; it has: ${keys.join(', ')}.`, {
          details: { key, keys },
        });
      }
      if (!(dict instanceof Map)) {
        throw new CheckpointError('E_CHECKPOINT_FORMAT', `${label} is not a dict of tensors.`, { details: { key } });
      }
      const onWarning = sdOptions.onWarning ?? warn;
      const out: StateDict = new Map();
      for (const [k, t] of dict) {
        const name = key === undefined ? String(k) : `${key}.${String(k)}`;
        if (typeof k !== 'string' || !(t instanceof TorchTensorRef)) {
          throw new CheckpointError('E_CHECKPOINT_FORMAT', `${label} is not a state dict: entry "${String(k)}" is not a tensor.`, {
            details: { key, entry: String(k) },
          });
        }
        const tensor = t.materialize({ name, onWarning });
        checkFinite(name, tensor, sdOptions.nonFinite ?? 'allow', onWarning);
        out.set(k, tensor);
      }
      return out;
    },
    args(): Record<string, unknown> | undefined {
      const a = get('args');
      if (a === undefined || a === null) return undefined;
      const plain = toPlain(a, new Map());
      if (typeof plain !== 'object' || plain === null || Array.isArray(plain) || plain instanceof TorchTensorRef) {
        throw new CheckpointError('E_CHECKPOINT_FORMAT', '"args" is neither an argparse.Namespace nor a dict.');
      }
      return plain as Record<string, unknown>;
    },
  };
}

function findRoot(entries: readonly ZipEntry[]): string {
  const roots = new Set<string>();
  for (const e of entries) {
    const slash = e.name.indexOf('/');
    if (slash <= 0) {
      throw new CheckpointError('E_CHECKPOINT_FORMAT', `zip member "${e.name}" is not inside a folder: not a torch.save checkpoint.`, {
        details: { member: e.name },
      });
    }
    roots.add(e.name.slice(0, slash));
  }
  if (roots.size !== 1) {
    throw new CheckpointError(
      'E_CHECKPOINT_FORMAT',
      roots.size === 0
        ? 'zip is empty: not a torch.save checkpoint.'
        : `zip has ${roots.size} top-level folders (${[...roots].join(', ')}); a torch.save checkpoint has exactly one.`,
      { details: { roots: [...roots] } },
    );
  }
  return [...roots][0]!;
}

/** Python tree → JSON-like JS: Map → object, tuple/set → array; tensors and bytes kept as they are. */
function toPlain(v: unknown, seen: Map<object, unknown>): unknown {
  if (typeof v !== 'object' || v === null || v instanceof TorchTensorRef || v instanceof Uint8Array) return v;
  const done = seen.get(v);
  if (done !== undefined) return done;
  if (Array.isArray(v) || v instanceof Set) {
    const out: unknown[] = [];
    seen.set(v, out);
    for (const x of v) out.push(toPlain(x, seen));
    return out;
  }
  const out: Record<string, unknown> = {};
  seen.set(v, out);
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  for (const [k, x] of entries) {
    Object.defineProperty(out, String(k), { value: toPlain(x, seen), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
