import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend.js';
import { presetConfig, PRESET_NAMES } from '../../src/config/presets.js';
import { generatorParamSpecs } from '../../src/networks/generator.js';
import { discriminatorParamSpecs } from '../../src/networks/discriminator.js';
import { localGeneratorParamSpecs } from '../../src/networks/local-generators.js';
import { mappingParamSpecs } from '../../src/networks/mapping.js';
import { renderNetParamSpecs } from '../../src/networks/render-net.js';
import { tfjsShape, type ParamSpec } from '../../src/networks/parameters.js';
import { SemanticStyleGAN } from '../../src/model/semantic-stylegan.js';
import { UnknownNameError } from '../../src/contract/errors.js';

const count = (specs: ParamSpec[]) => specs.filter((s) => s.trainable).reduce((n, s) => n + tfjsShape(s).reduce((a, b) => a * b, 1), 0);

describe('presets', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('celebamask256 has the official parameter counts (G ≈ 20.2M: mapping 2.1M, locals 5.2M, render 12.9M; D ≈ 51.2M)', () => {
    const config = presetConfig('celebamask256');
    const g = config.generator;
    expect(g.segDim).toBe(13);
    expect(g.transparentDims).toEqual([10, 12]);
    // Mapping: 8 × (512·512 + 512).
    expect(count(mappingParamSpecs(g))).toBe(8 * (512 * 512 + 512));
    const locals = count(localGeneratorParamSpecs(g));
    const render = count(renderNetParamSpecs(g));
    const total = count(generatorParamSpecs(g));
    const d = count(discriminatorParamSpecs(config.discriminator));
    console.log(`celebamask256: G ${total} (mapping ${count(mappingParamSpecs(g))}, locals ${locals}, render ${render}), D ${d}`);
    expect(locals / 1e6).toBeCloseTo(5.2, 1);
    expect(render / 1e6).toBeCloseTo(12.9, 1);
    expect(total / 1e6).toBeCloseTo(20.2, 1);
    expect(d / 1e6).toBeCloseTo(51.2, 1);
  });

  it('celebamask512 builds with its official structure (one more render stage, 64-wide at 512)', () => {
    const g = presetConfig('celebamask512').generator;
    const render = renderNetParamSpecs(g);
    expect(render.find((s) => s.name === 'render_net.convs.8.weight')?.officialShape).toEqual([64, 128, 3, 3]);
    expect(localGeneratorParamSpecs(g).find((s) => s.name === 'pos_embed.weights')?.officialShape).toEqual([64, 38, 1, 1]);
    console.log(`celebamask512: G ${count(generatorParamSpecs(g))}`);
  });

  it('every preset instantiates and the tiny one renders', () => {
    expect(PRESET_NAMES).toEqual(expect.arrayContaining(['celebamask256', 'celebamask512', 'tiny']));
    const g = SemanticStyleGAN.random(presetConfig('tiny'), 3);
    const out = g.generate(g.sampleZ(2, 1));
    expect(out.image.shape).toEqual([2, 32, 32, 3]);
    tf.dispose(out);
    g.dispose();
  });

  it('an unknown preset names the valid ones', () => {
    expect(() => presetConfig('celebamask1024')).toThrow(UnknownNameError);
    expect(() => presetConfig('celebamask1024')).toThrow(/celebamask256, celebamask512, tiny/);
  });
});
