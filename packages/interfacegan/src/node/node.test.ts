import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatentSpaceError } from '@semstyle/core';
import { createTestingGenerator, leakedTensors } from '@semstyle/core/testing';
import { trainBoundary } from '../boundary.js';
import { makeDirection } from '../direction.js';
import { directionFromBytes, directionToBytes, samplesFromBytes, samplesToBytes } from '../io.js';
import { regionAreaScorer, smileScorer } from '../scorers.js';
import { expectCode, expectCodeAsync, useWasm } from '../test-support/setup.js';
import { loadDirection, saveDirection, sidecarPath } from './direction-file.js';
import { editCommand, parseStrengths } from './edit-command.js';
import { decodePng } from './png.js';
import { loadSamples, rescoreSampleDir, writeSampleDir } from './samples-dir.js';

let g: ReturnType<typeof createTestingGenerator>;
let dir: string;

beforeAll(async () => {
  await useWasm();
  g = createTestingGenerator();
  // Warm the generator's caches (stacked local-generator weights), which live as long as the generator.
  const warm = g.sampleWPlus(1, 0);
  tf.dispose([warm.tensor, g.synthesize(warm)]);
  dir = await mkdtemp(join(tmpdir(), 'semstyle-interfacegan-'));
});
afterAll(async () => {
  g.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('node helpers', () => {
  it('writes a sample directory (latents, scores, PNGs) and re-scores it from disk without the generator', async () => {
    const out = join(dir, 'samples');
    const area = regionAreaScorer({ regions: 'region_1' });
    let samples: Awaited<ReturnType<typeof writeSampleDir<'w+'>>> | undefined;
    expect(await leakedTensors(async () => { samples = await writeSampleDir(g, out, { n: 6, seed: 3, space: 'w+', scorers: { area }, batchSize: 4 }); })).toBe(0);
    expect((await readdir(join(out, 'images'))).sort()).toEqual(['000000.png', '000001.png', '000002.png', '000003.png', '000004.png', '000005.png']);
    const label = decodePng(await readFile(join(out, 'labels', '000005.png')));
    expect([label.width, label.height]).toEqual([32, 32]);
    const json = JSON.parse(await readFile(join(out, 'scores.json'), 'utf8')) as Record<string, number[]>;
    expect(json.area).toHaveLength(6);
    const loaded = await loadSamples(out);
    expect(Array.from(loaded.latents)).toEqual(Array.from(samples!.latents));
    expect(loaded).toMatchObject({ space: 'w+', n: 6, seed: 3, truncation: 1, generatorHash: samples!.generatorHash });
    // Re-scoring from the PNGs gives the same mask scores (hard labels), and adds new ones.
    let rescored: Awaited<ReturnType<typeof rescoreSampleDir>> | undefined;
    expect(await leakedTensors(async () => { rescored = await rescoreSampleDir(out, { area, smile: smileScorer({ mouth: 'region_3' }) }, { batchSize: 4 }); })).toBe(0);
    expect(Array.from(rescored!.scores.area!)).toEqual(Array.from(samples!.scores.area!));
    expect((await loadSamples(out)).scores.smile).toHaveLength(6);
  });

  it('round-trips directions through safetensors (+ JSON sidecar) and checks their space', async () => {
    const layout = g.layout;
    const normal = new Float32Array(layout.nLatent * layout.styleDim);
    normal[5 * 32] = 1;
    const d = makeDirection('w+', normal, { layout, offset: -0.25, attribute: 'smiling', info: { regions: ['region_2'], slots: [5], accuracy: { train: 1, validation: 0.9 } } });
    const path = join(dir, 'smiling.safetensors');
    await saveDirection(path, d);
    const back = await loadDirection(path, { space: 'w+' });
    expect(Array.from(back.normal)).toEqual(Array.from(d.normal));
    expect(back.offset).toBe(-0.25);
    expect(back.layout).toEqual(layout);
    expect(back.info).toEqual(d.info);
    const side = JSON.parse(await readFile(sidecarPath(path), 'utf8')) as { info: { attribute: string } };
    expect(side.info.attribute).toBe('smiling');
    await expectCodeAsync(() => loadDirection(path, { space: 'w' }), 'E_LATENT_SPACE', LatentSpaceError);
    expectCode(() => directionFromBytes(samplesToBytes(samplesFromBytes(samplesToBytes({ space: 'w', n: 1, styleDim: 32, layout, latents: new Float32Array(32), z: null, scores: {}, seed: null, truncation: 1, regionMixing: false, generatorHash: null })))), 'E_INVALID_ARGUMENT');
    const w = makeDirection('w', [3, 4], { offset: 1 });
    expect(directionFromBytes(directionToBytes(w)).normal).toEqual(Float32Array.from([0.6, 0.8]));
  });

  it('editCommand writes image and mask strips, one column per strength', async () => {
    const s = await writeSampleDir(g, join(dir, 'w'), { n: 200, seed: 1, space: 'w', scorers: { area: regionAreaScorer({ regions: 'region_2' }) }, batchSize: 50, saveImages: false });
    const d = trainBoundary(s, 'area', { fraction: 0.1, attribute: 'region 2 area' });
    const out = join(dir, 'edit');
    let result: Awaited<ReturnType<typeof editCommand>> | undefined;
    expect(await leakedTensors(async () => { result = await editCommand({ generator: g, direction: d, seeds: [0, 7], strengths: parseStrengths('-2:2:5'), mode: 'relative', outDir: out, batchSize: 3 }); })).toBe(0);
    expect(result!.strengths).toEqual([-2, -1, 0, 1, 2]);
    expect(result!.files.map((f) => f.slice(out.length + 1))).toEqual([
      'region_2_area-seed0000.png', 'region_2_area-seed0000-mask.png', 'region_2_area-seed0007.png', 'region_2_area-seed0007-mask.png', 'region_2_area-edit.json',
    ]);
    const strip = decodePng(await readFile(result!.files[0]!));
    expect([strip.width, strip.height]).toEqual([5 * 32 + 4 * 2, 32]);
    // From a file path too; parseStrengths takes lists.
    const path = join(dir, 'area.safetensors');
    await saveDirection(path, d, { sidecar: false });
    const again = await editCommand({ generator: g, direction: path, seeds: [0], strengths: parseStrengths('0, 1'), outDir: join(dir, 'edit2'), masks: false, scale: 2 });
    expect(decodePng(await readFile(again.files[0]!)).width).toBe(2 * 64 + 2);
    expectCode(() => parseStrengths('a:b'), 'E_INVALID_ARGUMENT');
  });
});
