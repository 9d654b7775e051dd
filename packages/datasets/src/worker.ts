/** worker_threads entry: runs {@link runFaceJob} for the main thread's pool (see pool.ts). */
import { parentPort } from 'node:worker_threads';

import { runFaceJob, type FaceJob } from './job.js';

parentPort?.on('message', (msg: { id: number; job: FaceJob }) => {
  runFaceJob(msg.job).then(
    () => parentPort!.postMessage({ id: msg.id }),
    (error: unknown) => {
      const e = error as { name?: string; code?: string; message?: string; details?: unknown };
      parentPort!.postMessage({ id: msg.id, error: { name: e?.name, code: e?.code, message: String(e?.message ?? error), details: e?.details } });
    },
  );
});
