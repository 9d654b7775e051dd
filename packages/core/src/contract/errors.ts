/**
 * One error hierarchy for every semstyle package. Each error carries a stable `code` that callers can
 * switch on; messages are for people and may change. `SemstyleError.isInstance` works across duplicate
 * copies of the package (it checks a global marker, not the prototype chain).
 */

const MARKER = Symbol.for('semstyle.error');

export type SemstyleErrorCode =
  // input tensors and latents
  | 'E_SHAPE'
  | 'E_NON_FINITE'
  | 'E_LATENT_SPACE'
  | 'E_UNKNOWN_REGION'
  | 'E_INVALID_ARGUMENT'
  // configs and weights
  | 'E_CONFIG'
  | 'E_CONFIG_MISMATCH'
  | 'E_WEIGHTS_MISSING'
  | 'E_WEIGHTS_SHAPE'
  | 'E_WEIGHTS_UNEXPECTED'
  | 'E_WEIGHTS_NON_FINITE'
  // checkpoint files
  | 'E_CHECKPOINT_CORRUPT'
  | 'E_CHECKPOINT_UNSAFE'
  | 'E_CHECKPOINT_FORMAT'
  | 'E_UNSUPPORTED_DTYPE'
  | 'E_FILE_NOT_FOUND'
  | 'E_IO'
  // runtime
  | 'E_BACKEND'
  | 'E_OUT_OF_MEMORY'
  | 'E_DISPOSED'
  | 'E_UNKNOWN_NAME'
  | 'E_DATASET'
  | 'E_NOT_ENOUGH_SAMPLES';

export interface SemstyleErrorOptions {
  cause?: unknown;
  /** Structured facts about the failure (tensor name, shapes, path…), for programs. */
  details?: Record<string, unknown>;
}

export class SemstyleError extends Error {
  readonly code: SemstyleErrorCode;
  readonly details: Record<string, unknown>;
  private readonly [MARKER] = true;

  constructor(code: SemstyleErrorCode, message: string, options: SemstyleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }

  static isInstance(error: unknown): error is SemstyleError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** A tensor or latent has the wrong shape, rank or contents. */
export class InputError extends SemstyleError {}

/** A latent from one space was given where another space was expected. */
export class LatentSpaceError extends SemstyleError {
  constructor(message: string, options?: SemstyleErrorOptions) {
    super('E_LATENT_SPACE', message, options);
  }
}

/** A configuration is invalid, or contradicts the weights it is loaded with. */
export class ConfigError extends SemstyleError {}

/** Weights are missing, extra, mis-shaped or non-finite. */
export class WeightsError extends SemstyleError {}

/** A checkpoint file is corrupt, unsafe, or in an unknown format. */
export class CheckpointError extends SemstyleError {}

/** Reading or writing a file failed. */
export class FileError extends SemstyleError {}

/**
 * The tensor backend failed or ran out of memory (`E_BACKEND`, `E_OUT_OF_MEMORY`). After a wasm crash the
 * backend's heap is in an unknown state: restart the process.
 */
export class BackendError extends SemstyleError {}

/** A registry lookup (metric, preset, backend…) named something that does not exist. */
export class UnknownNameError extends SemstyleError {
  readonly validNames: readonly string[];
  constructor(kind: string, name: string, validNames: readonly string[]) {
    super('E_UNKNOWN_NAME', `Unknown ${kind} "${name}". Valid ${kind}s: ${validNames.join(', ')}.`, {
      details: { kind, name, validNames },
    });
    this.validNames = validNames;
  }
}
