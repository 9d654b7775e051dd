import { SemstyleError } from '../contract/errors.js';

function check(error: unknown, code: string, ctor?: abstract new (...args: never[]) => unknown): SemstyleError {
  if (!SemstyleError.isInstance(error)) throw new Error(`expected a semstyle error with code ${code}, got: ${String(error)}`);
  if (error.code !== code) throw new Error(`expected error code ${code}, got ${error.code}: ${error.message}`);
  if (ctor && !(error instanceof ctor)) throw new Error(`expected a ${ctor.name}, got a ${error.name}`);
  return error;
}

/** For tests: `fn` must throw a semstyle error with `code` (and of class `ctor`, when given); returns it. */
export function expectCode(fn: () => unknown, code: string, ctor?: abstract new (...args: never[]) => unknown): SemstyleError {
  try {
    fn();
  } catch (error) {
    return check(error, code, ctor);
  }
  throw new Error(`expected an error with code ${code}`);
}

/** The async form of `expectCode`. */
export async function expectCodeAsync(fn: () => Promise<unknown>, code: string, ctor?: abstract new (...args: never[]) => unknown): Promise<SemstyleError> {
  try {
    await fn();
  } catch (error) {
    return check(error, code, ctor);
  }
  throw new Error(`expected an error with code ${code}`);
}
