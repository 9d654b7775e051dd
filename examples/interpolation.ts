/**
 * Interpolation: lerp in W+ between two faces, globally and for one region only (per-region lerp keeps
 * every other code fixed).
 * Run: npx tsx examples/interpolation.ts [checkpoint] [region]   → out/interpolation/
 */
import * as tf from '@tensorflow/tfjs';
import { imagesToPixels, interpolate, type RgbPixels } from '@semstyle/core';
import { setup } from './_shared/setup.js';
import { saveGrid } from './_shared/png.js';

const { generator: g, outDir, source, report } = await setup('interpolation');
// Hair by default: the embedded default model draws the mouth inside the skin region (its model card), so a
// mouth-only lerp would not change its images.
const region = process.argv[3] ?? (g.regions.includes('hair') ? 'hair' : g.regions[1]!);
const steps = 6;

const a = g.sampleWPlus(1, 11, { truncation: 0.7 });
const b = g.sampleWPlus(1, 12, { truncation: 0.7 });

async function strip(selection?: { regions: string[] }): Promise<RgbPixels[]> {
  const pictures: RgbPixels[] = [];
  for (let i = 0; i < steps; i++) {
    const t = i / (steps - 1);
    const mid = interpolate(a, b, t, selection ? { method: 'lerp', selection } : { method: 'lerp' });
    const out = g.synthesize(mid);
    pictures.push(...(await imagesToPixels(out.image)));
    tf.dispose([mid.tensor, out]);
  }
  return pictures;
}

const global = await strip();
const local = await strip({ regions: [region] });
const grid = await saveGrid(outDir, 'interpolation.png', [...global, ...local], steps);
tf.dispose([a.tensor, b.tensor]);
g.dispose();

const path = await report(`# Interpolation

Generator: ${source}.

![interpolation](${grid})

Top: every W+ code lerped from A to B in ${steps} steps. Bottom: only the ${region} codes move.
`);
console.log(`wrote ${path}`);
