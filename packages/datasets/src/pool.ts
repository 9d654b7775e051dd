import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import { FileError, InputError, SemstyleError, type SemstyleErrorCode } from '@semstyle/core';

import type { FaceJob } from './job.js';

interface WireError {
  name?: string;
  code?: string;
  message: string;
  details?: Record<string, unknown>;
}

function rebuild(e: WireError): Error {
  const opts = { details: e.details ?? {} };
  if (!e.code) return new Error(e.message);
  const code = e.code as SemstyleErrorCode;
  if (e.name === 'FileError') return new FileError(code, e.message, opts);
  if (e.name === 'InputError') return new InputError(code, e.message, opts);
  return new SemstyleError(code, e.message, opts);
}

/**
 * How to start a worker: `worker.js` beside the built bundle; when running from sources (`worker.ts`), a small
 * eval'd bootstrap first registers tsx's ESM loader in the worker thread (tsx is the monorepo's dev
 * dependency; Node 20 workers do not reliably inherit `--import` loaders).
 */
function startWorker(): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./worker.js', self));
  const require = createRequire(self);
  const tsxLoader = pathToFileURL(require.resolve('tsx')).href; // registers tsx's hooks when imported
  const entry = new URL('./worker.ts', self).href;
  const boot = `import(${JSON.stringify(tsxLoader)}).then(() => import(${JSON.stringify(entry)})).catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(boot, { eval: true });
}

/** A fixed set of worker threads, each rendering one face at a time. */
export class RenderPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void; worker: Worker }>();
  private readonly waiting: Array<() => void> = [];
  private nextId = 0;
  private failure: Error | undefined;

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const worker = startWorker();
      worker.on('message', (msg: { id: number; error?: WireError }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        this.release(worker);
        if (msg.error) p.reject(rebuild(msg.error));
        else p.resolve();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new SemstyleError('E_DATASET', `Render worker exited with code ${code}.`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(error);
    }
    for (const w of this.waiting.splice(0)) w();
  }

  private release(worker: Worker): void {
    this.idle.push(worker);
    this.waiting.shift()?.();
  }

  async run(job: FaceJob): Promise<void> {
    while (this.idle.length === 0) {
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => this.waiting.push(r));
    }
    if (this.failure) throw this.failure;
    const worker = this.idle.pop()!;
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
