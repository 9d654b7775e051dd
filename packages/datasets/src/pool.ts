import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
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
  const tsxCjs = require.resolve('tsx/cjs'); // installs tsx's require hooks in this thread
  const entry = fileURLToPath(new URL('./worker.ts', self));
  const boot = `require(${JSON.stringify(tsxCjs)}); require(${JSON.stringify(entry)});`;
  return new Worker(boot, { eval: true });
}

/** A fixed set of worker threads, each with up to `perWorker` faces in flight. */
export class RenderPool {
  private readonly workers: Worker[] = [];
  private readonly inFlight = new Map<Worker, number>();
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void; worker: Worker }>();
  private readonly waiting: Array<() => void> = [];
  private nextId = 0;
  private failure: Error | undefined;

  constructor(
    count: number,
    private readonly perWorker = 1,
  ) {
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
      this.inFlight.set(worker, 0);
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
    this.inFlight.set(worker, this.inFlight.get(worker)! - 1);
    this.waiting.shift()?.();
  }

  private pick(): Worker | undefined {
    let best: Worker | undefined;
    for (const w of this.workers) if (this.inFlight.get(w)! < this.perWorker && (!best || this.inFlight.get(w)! < this.inFlight.get(best)!)) best = w;
    return best;
  }

  async run(job: FaceJob): Promise<void> {
    let worker = this.pick();
    while (!worker) {
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => this.waiting.push(r));
      worker = this.pick();
    }
    if (this.failure) throw this.failure;
    this.inFlight.set(worker, this.inFlight.get(worker)! + 1);
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
