import type * as tf from '@tensorflow/tfjs';
import { ConfigError, type NoiseMode, type SemanticGeneratorV1, type WPlusLatent } from '@semstyle/core';

/** What a differentiable forward pass returns (NHWC; owned by the caller). */
export interface DifferentiableForwardOutput {
  readonly [name: string]: tf.Tensor;
  readonly image: tf.Tensor4D;
  readonly seg: tf.Tensor4D;
  /** Per-region soft masks at the local generators' resolution [N, h, w, K]. */
  readonly masks: tf.Tensor4D;
}

/**
 * The extension of the V1 contract that gradient-based inversion needs: a raw forward pass from a W+
 * tensor that can run inside `tf.grad` / `tf.variableGrads`. `SemanticStyleGAN` (and the testing
 * generator) satisfy it structurally.
 */
export interface DifferentiableGenerator extends SemanticGeneratorV1 {
  forward(wplus: tf.Tensor3D, options: { noise: NoiseMode }): DifferentiableForwardOutput;
}

/** The generator's weights as named variables (for pivotal tuning). `ParameterStore` satisfies it. */
export interface GeneratorParameters {
  entries(): Array<[string, tf.Variable]>;
  /** Mark the values as changed (cached derived weights are rebuilt). */
  touch(): void;
}

/** A differentiable generator whose weights can be tuned (pivotal tuning). */
export interface TunableGenerator extends DifferentiableGenerator {
  readonly params: GeneratorParameters;
}

export function isDifferentiable(g: SemanticGeneratorV1): g is DifferentiableGenerator {
  return typeof (g as Partial<DifferentiableGenerator>).forward === 'function';
}

export function isTunable(g: SemanticGeneratorV1): g is TunableGenerator {
  const params = (g as Partial<TunableGenerator>).params;
  return isDifferentiable(g) && typeof params === 'object' && params !== null && typeof params.entries === 'function' && typeof params.touch === 'function';
}

/** Narrow to a differentiable generator, or throw `ConfigError` `E_CONFIG` naming what is missing. */
export function asDifferentiable(g: SemanticGeneratorV1, what = 'Gradient-based inversion'): DifferentiableGenerator {
  if (!isDifferentiable(g)) {
    throw new ConfigError('E_CONFIG', `${what} needs a generator with a differentiable forward(wplus, { noise }) (DifferentiableGenerator); this one implements only the V1 contract.`, {
      details: { missing: 'forward' },
    });
  }
  return g;
}

export function asTunable(g: SemanticGeneratorV1): TunableGenerator {
  asDifferentiable(g, 'Pivotal tuning');
  if (!isTunable(g)) {
    throw new ConfigError('E_CONFIG', 'Pivotal tuning needs a generator exposing its weights as `params` { entries(), touch() } (TunableGenerator).', {
      details: { missing: 'params' },
    });
  }
  return g;
}

/** A W+ latent over the generator's layout wrapping `tensor` (ownership moves to the latent). */
export function wplusOf(g: SemanticGeneratorV1, tensor: tf.Tensor3D): WPlusLatent {
  return { space: 'w+', tensor, layout: g.layout };
}

/** Fingerprint of what an encoder depends on: resolution and the W+ layout. */
export interface GeneratorFingerprint {
  readonly resolution: number;
  readonly styleDim: number;
  readonly nLatent: number;
  readonly baseLayers: number;
  readonly regionNames: readonly string[];
}

export function generatorFingerprint(g: SemanticGeneratorV1): GeneratorFingerprint {
  return {
    resolution: g.resolution,
    styleDim: g.layout.styleDim,
    nLatent: g.layout.nLatent,
    baseLayers: g.layout.baseLayers,
    regionNames: [...g.layout.regionNames],
  };
}

/** Throws `ConfigError` `E_CONFIG_MISMATCH` listing the fields that differ. */
export function assertFingerprint(expected: GeneratorFingerprint, g: SemanticGeneratorV1, what = 'encoder'): void {
  const actual = generatorFingerprint(g);
  const diffs: string[] = [];
  for (const key of ['resolution', 'styleDim', 'nLatent', 'baseLayers'] as const) {
    if (expected[key] !== actual[key]) diffs.push(`${key} ${expected[key]} ≠ ${actual[key]}`);
  }
  if (expected.regionNames.join('\u0000') !== actual.regionNames.join('\u0000')) {
    diffs.push(`regions [${expected.regionNames.join(', ')}] ≠ [${actual.regionNames.join(', ')}]`);
  }
  if (diffs.length > 0) {
    throw new ConfigError('E_CONFIG_MISMATCH', `The ${what} was built for another generator: ${diffs.join('; ')}.`, {
      details: { expected, actual },
    });
  }
}
