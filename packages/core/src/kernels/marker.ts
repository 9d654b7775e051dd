/** Marks kernel functions made by semstyle, so registration can tell its own kernels from stock ones. */
export const SEMSTYLE_KERNEL = Symbol.for('semstyle.kernel');

export function markKernel<F extends object>(fn: F): F {
  (fn as Record<symbol, unknown>)[SEMSTYLE_KERNEL] = true;
  return fn;
}

export function isSemstyleKernel(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[SEMSTYLE_KERNEL] === true;
}
