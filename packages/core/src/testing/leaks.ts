import * as tf from '@tensorflow/tfjs';

/**
 * Run `fn` and return how many tensors it left allocated (0 = no leak). Awaits async functions.
 * Use: `expect(await leakedTensors(() => g.synthesize(w).image.dispose())).toBe(0)`.
 */
export async function leakedTensors(fn: () => unknown): Promise<number> {
  const before = tf.memory().numTensors;
  await fn();
  return tf.memory().numTensors - before;
}

/** Throws if `fn` leaves tensors allocated. */
export async function expectNoLeakedTensors(fn: () => unknown, label = 'call'): Promise<void> {
  const leaked = await leakedTensors(fn);
  if (leaked !== 0) throw new Error(`${label} leaked ${leaked} tensor(s)`);
}
