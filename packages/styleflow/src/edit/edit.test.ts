import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, InputError, LatentSpaceError, regionSlots, SeededRandom, type WPlusLatent } from '@semstyle/core';
import { createTestingGenerator, leakedTensors } from '@semstyle/core/testing';
import { StyleFlow } from '../flow/styleflow.js';
import { arrayDataSource } from '../train/data-source.js';
import { FlowTrainer } from '../train/trainer.js';
import { flowEdit, flowEditSequence } from './edit.js';

let g: ReturnType<typeof createTestingGenerator>;
let flow: StyleFlow;
let direction: Float32Array;
let offset = 0;
let scale = 1;
const RK = { method: 'rk4', steps: 4 } as const;

/** The synthetic attribute: a standardised linear function of W (plus noise in training). */
function attributeOf(rows: Float32Array, dim: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows.length / dim; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += rows[i * dim + j]! * direction[j]!;
    out.push((s - offset) / scale);
  }
  return out;
}

beforeAll(async () => {
  await initBackend('wasm');
  g = createTestingGenerator({ seed: 0 });
  const dim = g.config.styleDim;
  const rng = new SeededRandom(5);
  direction = rng.normalArray(dim);
  const norm = Math.hypot(...direction);
  direction = direction.map((v) => v / norm);
  const n = 512;
  const z = g.sampleZ(n, 1);
  const w = g.map(z);
  const latents = w.tensor.dataSync() as Float32Array;
  tf.dispose([z.tensor, w.tensor]);
  const raw = attributeOf(latents, dim);
  offset = raw.reduce((a, b) => a + b, 0) / n;
  scale = Math.sqrt(raw.reduce((a, b) => a + (b - offset) ** 2, 0) / n);
  const attrs = Float32Array.from(attributeOf(latents, dim), (a) => a + 0.1 * rng.normal());
  flow = new StyleFlow({ dim, condDim: 1, hidden: [32], seed: 0, attributeNames: ['synthetic'] });
  const trainer = new FlowTrainer(flow, arrayDataSource(latents, attrs, { n, dim, condDim: 1 }), { lr: 1e-2, batchSize: 64, solverSteps: 2, seed: 0 });
  const first = trainer.trainStep();
  const last = trainer.train(79)!;
  console.log(`[styleflow] testing generator (W ${dim}-D, Hutchinson): NLL ${first.loss.toFixed(2)} → ${last.loss.toFixed(2)} in 80 steps, ${last.ms.toFixed(0)} ms/step`);
  trainer.dispose();
});

afterAll(() => {
  flow?.dispose();
  g?.dispose();
});

function samples(n: number, seed: number): { wp: WPlusLatent; attrs: tf.Tensor2D } {
  const z = g.sampleZ(n, seed);
  const w = g.map(z);
  const wp = g.toWPlus(w);
  const attrs = tf.tensor2d(attributeOf(w.tensor.dataSync() as Float32Array, g.config.styleDim), [n, 1]);
  tf.dispose([z.tensor, w.tensor]);
  return { wp, attrs };
}

function rowsOf(t: tf.Tensor3D, slot: number): Float32Array {
  return tf.tidy(() => tf.squeeze(tf.slice(t, [0, slot, 0], [-1, 1, -1]), [1])).dataSync() as Float32Array;
}

describe('editing the testing generator by region', () => {
  it('moves the attribute in the intended direction on the mouth-like region only; every other slot is bit-identical', () => {
    const { wp, attrs } = samples(6, 77);
    const dim = g.config.styleDim;
    const region = 'region_2';
    const edited = regionSlots(wp.layout, [region]);
    const report: string[] = [];
    for (const delta of [1.5, -1.5]) {
      const r = flowEdit(flow, wp, attrs, { changes: [{ attribute: 'synthetic', delta }], regions: [region], solver: RK });
      expect(r.slots).toEqual(edited);
      const before = Float32Array.from(wp.tensor.dataSync());
      const after = r.latent.tensor.dataSync() as Float32Array;
      for (let slot = 0; slot < wp.layout.nLatent; slot++) {
        const a = new Uint32Array(rowsOf(wp.tensor, slot).buffer);
        const b = new Uint32Array(rowsOf(r.latent.tensor, slot).buffer);
        if (!edited.includes(slot)) expect(b).toEqual(a); // bit-identical
      }
      for (const slot of edited) {
        const a0 = attributeOf(rowsOf(wp.tensor, slot), dim);
        const a1 = attributeOf(rowsOf(r.latent.tensor, slot), dim);
        const change = a1.map((v, i) => v - a0[i]!);
        const meanChange = change.reduce((a, b) => a + b, 0) / change.length;
        report.push(`delta ${delta}, slot ${slot}: mean attribute change ${meanChange.toFixed(3)} (${change.filter((c) => Math.sign(c) === Math.sign(delta)).length}/${change.length} samples in the intended direction)`);
        expect(Math.sign(meanChange)).toBe(Math.sign(delta));
        expect(change.filter((c) => Math.sign(c) === Math.sign(delta)).length).toBeGreaterThanOrEqual(5);
      }
      expect(before.length).toBe(after.length);
      expect(Array.from(r.attributes.dataSync())).toEqual(Array.from(attrs.dataSync()).map((v) => Math.fround(v + delta)));
      tf.dispose([r.latent.tensor, r.attributes]);
    }
    console.log(`[styleflow] edit on ${region} (slots ${edited.join(', ')}):\n  ${report.join('\n  ')}`);
    tf.dispose([wp.tensor, attrs]);
  });

  it('sequential edits re-encode from the edited latent; earlier regions stay as the earlier edit left them', () => {
    const { wp, attrs } = samples(2, 78);
    const { latents, attributes } = flowEditSequence(flow, wp, attrs, [
      { changes: [{ attribute: 0, delta: 1 }], regions: ['region_1'] },
      { changes: [{ attribute: 0, value: -1 }], regions: ['region_3'], kinds: ['texture'] },
    ], { solver: RK });
    const s1 = regionSlots(wp.layout, ['region_1']);
    const s3 = regionSlots(wp.layout, ['region_3'], ['texture']);
    for (let slot = 0; slot < wp.layout.nLatent; slot++) {
      const orig = new Uint32Array(rowsOf(wp.tensor, slot).buffer);
      const first = new Uint32Array(rowsOf(latents[0]!.tensor, slot).buffer);
      const second = new Uint32Array(rowsOf(latents[1]!.tensor, slot).buffer);
      if (!s3.includes(slot)) expect(second).toEqual(first);
      if (!s1.includes(slot) && !s3.includes(slot)) expect(second).toEqual(orig);
      if (s3.includes(slot)) expect(second).not.toEqual(first);
    }
    expect(Array.from(attributes.dataSync())).toEqual([-1, -1]);
    tf.dispose([wp.tensor, attrs, attributes, ...latents.map((l) => l.tensor)]);
  });

  it('edits W directly (all of it), and rejects bad input with typed errors', () => {
    const z = g.sampleZ(2, 3);
    const w = g.map(z);
    const attrs = tf.zeros([2, 1]) as tf.Tensor2D;
    const r = flowEdit(flow, w, attrs, { changes: [{ attribute: 0, delta: 1 }], solver: RK });
    expect(r.latent.space).toBe('w');
    expect(r.latent.tensor.shape).toEqual([2, g.config.styleDim]);
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as InputError).code;
      }
      return 'no error';
    };
    const wrongLen = tf.zeros([2, 2]) as tf.Tensor2D;
    const nanW = { space: 'w' as const, tensor: tf.tensor2d(new Float32Array(2 * g.config.styleDim).fill(NaN), [2, g.config.styleDim]) };
    expect(code(() => flowEdit(flow, w, wrongLen, { changes: [{ attribute: 0, delta: 1 }] }))).toBe('E_SHAPE');
    expect(code(() => flowEdit(flow, nanW, attrs, { changes: [{ attribute: 0, delta: 1 }] }))).toBe('E_NON_FINITE');
    expect(code(() => flowEdit(flow, w, attrs, { changes: [{ attribute: 'smile', delta: 1 }] }))).toBe('E_INVALID_ARGUMENT');
    expect(code(() => flowEdit(flow, w, attrs, { changes: [{ attribute: 0, delta: 1, value: 2 }] }))).toBe('E_INVALID_ARGUMENT');
    expect(code(() => flowEdit(flow, w, attrs, { changes: [{ attribute: 0, delta: 1 }], regions: ['region_1'] }))).toBe('E_INVALID_ARGUMENT');
    expect(code(() => flowEdit(flow, z as never, attrs, { changes: [] }))).toBe('E_LATENT_SPACE');
    expect(() => flowEdit(flow, z as never, attrs, { changes: [] })).toThrow(LatentSpaceError);
    expect(() => flowEdit(flow, w, wrongLen, { changes: [] })).toThrow(InputError);
    tf.dispose([z.tensor, w.tensor, attrs, r.latent.tensor, r.attributes, wrongLen, nanW.tensor]);
  });

  it('flowEdit and flowEditSequence leak nothing', async () => {
    const { wp, attrs } = samples(1, 79);
    expect(await leakedTensors(() => { const r = flowEdit(flow, wp, attrs, { changes: [{ attribute: 0, delta: 1 }], regions: ['region_1'], solver: RK }); tf.dispose([r.latent.tensor, r.attributes]); })).toBe(0);
    expect(await leakedTensors(() => { const r = flowEditSequence(flow, wp, attrs, [{ changes: [{ attribute: 0, delta: 1 }] }, { changes: [{ attribute: 0, delta: 1 }], regions: [1] }], { solver: RK }); tf.dispose([r.attributes, ...r.latents.map((l) => l.tensor)]); })).toBe(0);
    expect(await leakedTensors(() => { try { flowEdit(flow, wp, attrs, { changes: [{ attribute: 7, delta: 1 }] }); } catch { /* typed */ } })).toBe(0);
    tf.dispose([wp.tensor, attrs]);
  });
});
