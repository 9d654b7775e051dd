import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors } from '../../src/io/safetensors.js';
import type { HostTensor, StateDict } from '../../src/io/host-tensor.js';
import { configFromOfficialArgs } from '../../src/config/official-config.js';
import type { ModelConfig } from '../../src/contract/config.js';

/** The official-parity fixture in ../shared (beside the project root), read once per test file. */
export const FIXTURE_DIR = fileURLToPath(new URL('../../../../../shared/fixtures/official-parity/small/', import.meta.url));

export interface Fixture {
  readonly config: ModelConfig;
  readonly weights: StateDict;
  readonly goldens: StateDict;
  readonly metadata: Record<string, string>;
}

let cached: Fixture | undefined;

export function loadFixture(): Fixture {
  if (cached) return cached;
  const weights = readSafetensors(new Uint8Array(readFileSync(FIXTURE_DIR + 'weights.safetensors')));
  const goldens = readSafetensors(new Uint8Array(readFileSync(FIXTURE_DIR + 'goldens.safetensors')));
  const meta = JSON.parse(weights.metadata['config']!) as { model: Record<string, unknown> };
  cached = { config: configFromOfficialArgs(meta.model), weights: weights.tensors, goldens: goldens.tensors, metadata: goldens.metadata };
  return cached;
}

export function golden(fixture: Fixture, name: string): HostTensor {
  const t = fixture.goldens.get(name);
  if (!t) throw new Error(`golden ${name} missing`);
  return t;
}

/** A golden as a tfjs tensor in its stored (NCHW) layout. */
export function goldenTensor(fixture: Fixture, name: string): tf.Tensor {
  const t = golden(fixture, name);
  return tf.tensor(t.data as Float32Array, [...t.shape]);
}

/** NCHW golden → NHWC tensor. */
export function goldenNhwc(fixture: Fixture, name: string): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(goldenTensor(fixture, name), [0, 2, 3, 1]) as tf.Tensor4D);
}

export interface Comparison {
  readonly maxAbsError: number;
  readonly maxAbsGolden: number;
  /** maxAbsError / max(1, max|golden|). */
  readonly normalisedError: number;
}

/** Compare an NHWC (or plain) result with an NCHW golden (transposed when `nchw`). */
export async function compareToGolden(actual: tf.Tensor, expected: HostTensor, options: { nchw?: boolean } = {}): Promise<Comparison> {
  const exp = expected.data as Float32Array;
  const act = tf.tidy(() => (options.nchw && actual.rank === 4 ? tf.transpose(actual, [0, 3, 1, 2]) : actual.clone()));
  const values = (await act.data()) as Float32Array;
  act.dispose();
  if (values.length !== exp.length) throw new Error(`size mismatch: ${values.length} vs ${exp.length} (shapes [${actual.shape}] vs [${expected.shape}])`);
  let maxAbsError = 0;
  let maxAbsGolden = 0;
  for (let i = 0; i < exp.length; i++) {
    const e = Math.abs(values[i]! - exp[i]!);
    if (!(e <= maxAbsError)) maxAbsError = Number.isNaN(e) ? Infinity : e;
    maxAbsGolden = Math.max(maxAbsGolden, Math.abs(exp[i]!));
  }
  return { maxAbsError, maxAbsGolden, normalisedError: maxAbsError / Math.max(1, maxAbsGolden) };
}

export const PARITY_TOLERANCE = 1e-4;
