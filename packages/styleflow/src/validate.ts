import { InputError } from '@semstyle/core';

/** Shape and finiteness checks are core's (typed errors that name the tensor). */
export { assertShape, assertFinite } from '@semstyle/core';

export function assertPositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new InputError('E_INVALID_ARGUMENT', `${name} must be a positive integer, got ${value}.`, { details: { name, value } });
  }
}

export function assertPositive(name: string, value: number): void {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new InputError('E_INVALID_ARGUMENT', `${name} must be a finite positive number, got ${value}.`, { details: { name, value } });
  }
}
