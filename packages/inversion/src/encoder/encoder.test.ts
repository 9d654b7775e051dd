import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, latentLayout, presetConfig, type SemanticGeneratorV1 } from '@semstyle/core';
import { createTestingGenerator, leakedTensors } from '@semstyle/core/testing';
import { expectCode, useWasm } from '../test-support/setup.js';
import { encoderConfigFor, semanticSlotLevels, validateEncoderConfig } from './config.js';
import { countEncoderParameters } from './params.js';
import { ReStyleEncoder } from './restyle-encoder.js';

beforeAll(useWasm);

/** A contract-shaped stand-in with the paper model's geometry (no weights are built). */
function paperGeometry(): SemanticGeneratorV1 {
  const config = presetConfig('celebamask256').generator;
  return { resolution: config.size, layout: latentLayout(config), config } as unknown as SemanticGeneratorV1;
}

describe('ReStyle encoder', () => {
  it('maps image ⊕ reconstruction to a W+ residual of the generator’s layout', async () => {
    const g = createTestingGenerator();
    const enc = ReStyleEncoder.create(encoderConfigFor(g, { preset: 'tiny' }), 3);
    const x = tf.randomNormal([2, 32, 32, 6]) as tf.Tensor4D;
    expect(
      await leakedTensors(() => {
        const { delta, stats } = enc.forward(x);
        expect(delta.shape).toEqual([2, g.layout.nLatent, g.layout.styleDim]);
        expect(stats).toHaveLength(0);
        delta.dispose();
        const t = enc.forward(x, { training: true });
        expect(t.stats.length).toBeGreaterThan(0);
        enc.updateRunningStats(t.stats);
        t.delta.dispose();
      }),
    ).toBe(0);
    // Wrong channel count.
    expectCode(() => enc.forward(tf.zeros([1, 32, 32, 3]) as tf.Tensor4D), 'E_SHAPE');
    tf.dispose(x);
    enc.dispose();
    g.dispose();
  });

  it('slot mapping: coarse codes ← coarse, shape ← medium, texture ← fine', () => {
    expect(semanticSlotLevels(2, 8)).toEqual(['coarse', 'coarse', 'medium', 'fine', 'medium', 'fine', 'medium', 'fine']);
    const cfg = encoderConfigFor(paperGeometry(), { preset: 'ir-se50' });
    expect(cfg.nLatent).toBe(28);
    expect(cfg.slotLevels.filter((l) => l === 'coarse')).toHaveLength(2);
  });

  it('presets: parameter counts (paper-size IR-SE50 exists for GPU users)', () => {
    const geo = paperGeometry();
    const counts = Object.fromEntries((['tiny', 'small', 'ir-se50'] as const).map((p) => [p, countEncoderParameters(encoderConfigFor(geo, { preset: p }))]));
    const g = createTestingGenerator();
    const tinyOnTesting = countEncoderParameters(encoderConfigFor(g, { preset: 'tiny' }));
    g.dispose();
    console.log('encoder parameters (celebamask256 W+ 28×512):', counts, '| tiny on the testing generator:', tinyOnTesting);
    expect(counts['ir-se50']!).toBeGreaterThan(counts.small!);
    expect(counts.small!).toBeGreaterThan(counts.tiny!);
  });

  it('head width: narrower GradualStyleBlocks shrink the encoder; configs without headChannels read as styleDim', async () => {
    const g = createTestingGenerator();
    const full = encoderConfigFor(g, { preset: 'tiny' });
    const narrow = encoderConfigFor(g, { preset: 'tiny', headChannels: 8 });
    expect(full.headChannels).toBe(g.layout.styleDim);
    expect(narrow.headChannels).toBe(8);
    expect(countEncoderParameters(narrow)).toBeLessThan(countEncoderParameters(full));
    // On the default model's geometry (64 px, W+ 28 × 128) the heads are what decides the size.
    const enc = ReStyleEncoder.create(narrow, 2);
    const x = tf.randomNormal([1, 32, 32, 6]) as tf.Tensor4D;
    const { delta } = enc.forward(x);
    expect(delta.shape).toEqual([1, g.layout.nLatent, g.layout.styleDim]);
    expect(enc.entries().find(([n]) => n === 'styles.0.linear.weight')![1].shape).toEqual([8, g.layout.styleDim]);
    // A config stored before the field existed (no headChannels) loads as the pSp width.
    const { headChannels: _drop, ...old } = full;
    void _drop;
    expect(validateEncoderConfig(old).headChannels).toBe(g.layout.styleDim);
    const state = await ReStyleEncoder.create(full, 1).toStateDict();
    const reloaded = ReStyleEncoder.fromStateDict(old, state);
    expect(reloaded.config.headChannels).toBe(g.layout.styleDim);
    expectCode(() => validateEncoderConfig({ ...narrow, headChannels: 0 }), 'E_CONFIG', ConfigError);
    tf.dispose([x, delta]);
    reloaded.dispose();
    enc.dispose();
    g.dispose();
  });

  it('invalid configs are ConfigError E_CONFIG', () => {
    const g = createTestingGenerator();
    const cfg = encoderConfigFor(g, { preset: 'tiny' });
    expectCode(() => validateEncoderConfig({ ...cfg, inputSize: 24 }), 'E_CONFIG', ConfigError);
    expectCode(() => validateEncoderConfig({ ...cfg, slotLevels: ['fine'] }), 'E_CONFIG', ConfigError);
    expectCode(() => encoderConfigFor(g, { preset: 'huge' as 'tiny' }), 'E_UNKNOWN_NAME');
    g.dispose();
  });
});
