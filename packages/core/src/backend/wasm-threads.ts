/**
 * Multi-threaded tfjs-backend-wasm in Node (tfjs 4.22.0 — relies on its internals; the package pins it).
 *
 * tfjs ships the threaded SIMD binary inside `@tensorflow/tfjs-backend-wasm`, but disables it in Node
 * (`WASM_HAS_MULTITHREAD_SUPPORT` is forced false). What stands in the way, and what this module does about
 * each, all at run time around `tf.setBackend('wasm')` and undone afterwards:
 * 1. The flag: set true, and the thread count given to `setThreadsCount`.
 * 2. The pthread workers are created from Blob URLs, which Node's `Worker` refuses (`ERR_WORKER_PATH`).
 *    `Blob` is wrapped so the text of the two Blobs the backend makes (the threaded module's main script and
 *    the worker script) is known, both are written to a private temp folder, and `URL.createObjectURL`
 *    returns those file paths. The main-script text refers to names that only exist inside the bundle (its
 *    `require$$N` aliases of Node modules and `commonjsGlobal`): they are defined at the top of the written
 *    file. The worker file maps its own object-URL call for the main script to that file's path.
 * 3. The C++ side caps the pool at half of `os.cpus().length` (1 thread on 2 cores): `os.cpus` reports
 *    enough cores while the backend initialises.
 * 4. The running pool threads hold references that keep the process alive at exit: the workers are
 *    `unref()`'d (safe: tfjs work blocks the main thread, which waits on them itself).
 * Costs: the build always starts 8 workers (fixed pool size), ~70 MB more memory, ~0.2 s more start-up.
 * The temp folder is removed when the process exits.
 */
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { BackendError, SemstyleError } from '../contract/errors.js';
import { isNode } from './is-node.js';

const WASM_PRIORITY = 2; // tfjs-backend-wasm registers with this priority
const MAIN_SCRIPT_PREFIX = 'var WasmBackendModuleThreadedSimd';

/** Names the bundled main-script text uses without defining them (tfjs-backend-wasm 4.22.0 node bundle). */
const MAIN_HEADER = [
  "var require$$0 = require('fs');",
  "var require$$1 = require('path');",
  "var require$$3 = require('perf_hooks');",
  "var require$$4 = require('os');",
  'var commonjsGlobal = globalThis;',
  '',
].join('\n');

interface PThreadLike {
  unusedWorkers?: Array<{ unref?: () => void; ref?: () => void }>;
  runningWorkers?: Array<{ unref?: () => void; ref?: () => void }>;
}

function backendIsInitialised(name: string): boolean {
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  return registry[name] != null;
}

/** Whether the wasm backend has been started in this process (by tfjs itself or by semstyle). */
export function wasmIsStarted(): boolean {
  return backendIsInitialised('wasm');
}

/** Threads the initialised wasm backend uses (1 when it is not running or single-threaded). */
export function wasmThreadsInUse(): number {
  if (!backendIsInitialised('wasm')) return 1;
  try {
    return getThreadsCount();
  } catch {
    return 1;
  }
}

/**
 * (Re)start the wasm backend with `threads` threads (1: the stock single-threaded SIMD build) and make it
 * the current backend. Tensors living on a previously started wasm backend are lost: call this first.
 * Returns the number of threads actually in use.
 */
export async function startWasm(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new SemstyleError('E_INVALID_ARGUMENT', `wasm threads must be a positive integer, got ${threads}.`);
  }
  const factory = tf.findBackendFactory('wasm');
  if (factory == null) throw new BackendError('E_BACKEND', 'The wasm backend is not registered.');
  if (backendIsInitialised('wasm')) {
    if (wasmThreadsInUse() === threads) {
      await tf.setBackend('wasm');
      return threads;
    }
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory, WASM_PRIORITY);
  }
  const multi = threads > 1;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', multi);
  setThreadsCount(multi ? threads : -1);
  if (!multi || !isNode()) {
    if (!(await tf.setBackend('wasm'))) throw new BackendError('E_BACKEND', 'Could not start the wasm backend.');
    return wasmThreadsInUse();
  }
  const undo = await installNodeShims(threads);
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
  } finally {
    undo();
  }
  if (!ok) throw new BackendError('E_BACKEND', `Could not start the wasm backend with ${threads} threads.`);
  unrefWorkers();
  return wasmThreadsInUse();
}

async function installNodeShims(threads: number): Promise<() => void> {
  // The CommonJS module objects (what the bundle's `require('os')` returns; namespace objects are read-only).
  const [fs, os, path] = (await Promise.all([import('node:fs'), import('node:os'), import('node:path')])).map((m) => m.default) as [
    typeof import('node:fs'),
    typeof import('node:os'),
    typeof import('node:path'),
  ];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semstyle-wasm-threads-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const mainPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.main.cjs');
  const workerPath = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');

  const texts = new WeakMap<object, string>();
  const OriginalBlob = globalThis.Blob;
  class CapturingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts !== undefined && parts.every((p) => typeof p === 'string')) {
        const text = (parts as string[]).join('');
        texts.set(this, text);
        // The main script is only posted to the workers (which ask for its URL themselves): write it now.
        if (text.startsWith(MAIN_SCRIPT_PREFIX)) fs.writeFileSync(mainPath, MAIN_HEADER + text);
      }
    }
  }
  const originalCreate = URL.createObjectURL.bind(URL);
  const createObjectURL = (obj: Blob | MediaSource): string => {
    const text = texts.get(obj);
    if (text === undefined) return originalCreate(obj as Blob);
    if (text.startsWith(MAIN_SCRIPT_PREFIX)) return mainPath;
    const header = `URL.createObjectURL = () => ${JSON.stringify(mainPath)}; URL.revokeObjectURL = () => {};\n`;
    fs.writeFileSync(workerPath, header + text);
    return workerPath;
  };
  const originalCpus = os.cpus;
  const cores = originalCpus().length;
  const patchedCpus = () => {
    const list = originalCpus();
    const wanted = Math.max(cores, 2 * threads);
    return Array.from({ length: wanted }, (_, i) => list[i % list.length]!);
  };
  globalThis.Blob = CapturingBlob as typeof Blob;
  URL.createObjectURL = createObjectURL;
  (os as { cpus: typeof os.cpus }).cpus = patchedCpus;
  return () => {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreate;
    (os as { cpus: typeof os.cpus }).cpus = originalCpus;
  };
}

function unrefWorkers(): void {
  const wasm = (tf.engine().findBackend('wasm') as unknown as { wasm?: { PThread?: PThreadLike } } | null)?.wasm;
  const pthread = wasm?.PThread;
  if (pthread === undefined) return;
  for (const worker of [...(pthread.unusedWorkers ?? []), ...(pthread.runningWorkers ?? [])]) {
    worker.unref?.();
    worker.ref = () => undefined; // spawnThread re-refs a worker when it starts a thread on it
  }
}
