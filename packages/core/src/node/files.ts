import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileError } from '../contract/errors.js';

/** Read a whole file; a missing file is E_FILE_NOT_FOUND naming the path. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileError('E_FILE_NOT_FOUND', `File not found: ${path}`, { cause, details: { path } });
    throw new FileError('E_IO', `Cannot read ${path}: ${(cause as Error).message}`, { cause, details: { path } });
  }
}

/**
 * Write a file atomically: the bytes go to a temporary file in the same folder, are flushed, then renamed
 * over the target, so readers never see a half-written file and a failure leaves the old file intact.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    const code = (cause as NodeJS.ErrnoException).code;
    throw new FileError('E_IO', `Cannot write ${path}${code ? ` (${code})` : ''}: ${(cause as Error).message}`, { cause, details: { path, code } });
  }
}
