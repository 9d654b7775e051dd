import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatentSpaceError } from '@semstyle/core';
import { createTestingGenerator, leakedTensors } from '@semstyle/core/testing';
import { trainBoundary } from '../boundary.js';
import { generatorFingerprint } from '../samples.js';
import { makeDirection } from '../direction.js';
import { directionFromBytes, directionToBytes, samplesFromBytes, samplesToBytes } from '../io.js';
import { regionAreaScorer, smileScorer } from '../scorers.js';
import { expectCode, expectCodeAsync, useWasm } from '../test-support/setup.js';
import { loadDirection, saveDirection, sidecarPath } from './direction-file.js';
import { editCommand, parseStrengths } from './edit-command.js';
import { decodePng } from './png.js';
import { loadSamples, rescoreSampleDir, SAMPLING_FILE, writeSampleDir } from './samples-dir.js';
import { writeComparisonGrid } from './strip.js';

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

  it('samples resumably: an interrupted run continues where it stopped, n can grow, other settings are refused', async () => {
    const out = join(dir, 'resumable');
    const scorers = { area: regionAreaScorer({ regions: 'region_2' }) };
    const reference = await writeSampleDir(g, join(dir, 'reference'), { n: 11, seed: 4, space: 'w+', regionMixing: true, scorers, batchSize: 4, chunkSize: 100 });
    // "Interrupt" a run after its second piece (the progress callback throws).
    const done: number[] = [];
    await expect(
      writeSampleDir(g, out, { n: 11, seed: 4, space: 'w+', regionMixing: true, scorers, batchSize: 2, chunkSize: 3, onProgress: (p) => { if (p.done > 6) throw new Error('interrupted'); done.push(p.done); } }),
    ).rejects.toThrow('interrupted');
    expect(done).toEqual([2, 3, 5, 6]);
    const totals = new Set<number>();
    await writeSampleDir(g, join(dir, 'totals'), { n: 5, seed: 4, space: 'w', chunkSize: 2, saveImages: false, onProgress: (p) => void totals.add(p.total) });
    expect([...totals]).toEqual([5]); // progress is over the whole run, not the piece
    const manifest = JSON.parse(await readFile(join(out, SAMPLING_FILE), 'utf8')) as { pieces: { start: number; end: number }[] };
    expect(manifest.pieces.map((p) => [p.start, p.end])).toEqual([[0, 3], [3, 6]]);
    // Resume: only samples 6… are generated; the result equals an uninterrupted run.
    const resumed: number[] = [];
    let reused = 0;
    const samples = await writeSampleDir(g, out, { n: 11, seed: 4, space: 'w+', regionMixing: true, scorers, batchSize: 2, chunkSize: 3, onProgress: (p) => void resumed.push(p.done), onResume: (r) => { reused = r.done; } });
    expect(reused).toBe(6);
    expect(resumed).toEqual([8, 9, 11]);
    expect(Array.from(samples.latents)).toEqual(Array.from(reference.latents));
    expect(Array.from(samples.scores.area!)).toEqual(Array.from(reference.scores.area!));
    expect((await readdir(out)).sort()).toEqual(['images', 'labels', 'latents.safetensors', 'sampling.json', 'scores.json']); // pieces merged and removed
    expect(Array.from((await loadSamples(out)).latents)).toEqual(Array.from(reference.latents));
    // Growing n generates only the new samples; asking for fewer reuses the file.
    const grown: number[] = [];
    const more = await writeSampleDir(g, out, { n: 13, seed: 4, space: 'w+', regionMixing: true, scorers, batchSize: 2, chunkSize: 3, onProgress: (p) => void grown.push(p.done) });
    expect(grown).toEqual([13]);
    expect(Array.from(more.latents.subarray(0, reference.latents.length))).toEqual(Array.from(reference.latents));
    expect((await readdir(join(out, 'images'))).length).toBe(13);
    const fewer = await writeSampleDir(g, out, { n: 5, seed: 4, space: 'w+', regionMixing: true, scorers, onProgress: () => { throw new Error('should not sample'); } });
    expect(fewer.n).toBe(5);
    // Other settings in the same folder: refused (resume: false regenerates).
    await expectCodeAsync(() => writeSampleDir(g, out, { n: 13, seed: 5, space: 'w+', regionMixing: true, scorers }), 'E_CONFIG_MISMATCH');
    await expectCodeAsync(() => writeSampleDir(g, out, { n: 13, seed: 4, space: 'w+', regionMixing: true, scorers: {} }), 'E_CONFIG_MISMATCH');
    // Same config, other weights (e.g. a later training checkpoint): refused too.
    const other = createTestingGenerator({ seed: 9 });
    try {
      expect(await generatorFingerprint(other)).not.toBe(await generatorFingerprint(g));
      expect(await generatorFingerprint(g)).toBe(await generatorFingerprint(g));
      await expectCodeAsync(() => writeSampleDir(other, out, { n: 13, seed: 4, space: 'w+', regionMixing: true, scorers }), 'E_CONFIG_MISMATCH');
    } finally {
      other.dispose();
    }
    const fresh = await writeSampleDir(g, out, { n: 2, seed: 5, space: 'w', resume: false, saveImages: false });
    expect(fresh.seed).toBe(5);
    await expectCodeAsync(() => writeSampleDir(g, out, { n: 2, seed: 5, space: 'w', chunkSize: 0 }), 'E_INVALID_ARGUMENT');
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

  it('writes comparison grids: one column per latent batch, image rows with mask rows under them', async () => {
    const a = g.sampleWPlus(3, 1);
    const b = g.sampleWPlus(3, 2);
    const path = join(dir, 'grid.png');
    let grid: Awaited<ReturnType<typeof writeComparisonGrid>> | undefined;
    expect(await leakedTensors(async () => { grid = await writeComparisonGrid(path, g, [a, b], { rows: 2, scale: 2 }); })).toBe(0);
    const png = decodePng(await readFile(path));
    expect([png.width, png.height]).toEqual([2 * 64 + 2, 4 * 64 + 3 * 2]); // 2 columns; 2 samples × (image + mask)
    expect([grid!.width, grid!.height]).toEqual([png.width, png.height]);
    const noMasks = await writeComparisonGrid(join(dir, 'grid2.png'), g, [a], { masks: false });
    expect([noMasks.width, noMasks.height]).toEqual([32, 3 * 32 + 2 * 2]);
    await expectCodeAsync(() => writeComparisonGrid(path, g, [a, g.sampleWPlus(2, 0)]), 'E_SHAPE');
    await expectCodeAsync(() => writeComparisonGrid(path, g, [a], { rows: 4 }), 'E_INVALID_ARGUMENT');
    tf.dispose([a.tensor, b.tensor]);
  });
});
