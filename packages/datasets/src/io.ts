import { open, rename, rm, writeFile } from 'node:fs/promises';
import { threadId } from 'node:worker_threads';

import { FileError } from '@semstyle/core';

import { isCompletePng } from './png.js';

export function ioError(action: string, path: string, cause: unknown): FileError {
  const code = (cause as { code?: string } | null)?.code;
  return new FileError('E_IO', `Could not ${action} ${path}${code ? ` (${code})` : ''}.`, { cause, details: { path, action, code } });
}

/** Write `data` to a temporary file beside `path`, then rename it over `path` (readers never see half a file). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}-${threadId}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw ioError('write', path, error);
  }
}

/** True when `path` is a complete PNG (signature and IEND trailer present); false when missing or truncated. */
export async function pngFileComplete(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const { size } = await handle.stat();
    if (size < 20) return false;
    const head = Buffer.alloc(8);
    const tail = Buffer.alloc(12);
    await handle.read(head, 0, 8, 0);
    await handle.read(tail, 0, 12, size - 12);
    const probe = new Uint8Array(20);
    probe.set(head, 0);
    probe.set(tail, 8);
    return isCompletePng(probe);
  } finally {
    await handle.close();
  }
}
