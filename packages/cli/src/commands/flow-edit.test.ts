import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSafetensors, initBackend } from '@semstyle/core';
import { createTestingGenerator, expectCodeAsync } from '@semstyle/core/testing';
import { StyleFlow } from '@semstyle/styleflow';
import { saveFlowCheckpoint } from '@semstyle/styleflow/node';
import { parseSourceAttributes, runFlowEdit } from './flow-edit.js';

let dir: string;
let checkpoint: string;
let flowPath: string;

beforeAll(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'semstyle-flow-edit-'));
  // The tiny testing generator as a model file, and an (untrained) flow on its 32-wide codes.
  const g = createTestingGenerator({ seed: 2 });
  checkpoint = join(dir, 'tiny.safetensors');
  await writeFile(checkpoint, await exportSafetensors({ generator: g }));
  g.dispose();
  const flow = new StyleFlow({ dim: 32, condDim: 2, hidden: [8], seed: 1, attributeNames: ['smiling', 'bald'] });
  flowPath = join(dir, 'flow.safetensors');
  await saveFlowCheckpoint(flowPath, flow);
  flow.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('semstyle flow-edit', () => {
  it('writes a before/after strip per seed (one column per edit) and a summary', async () => {
    const out = join(dir, 'out');
    const lines: string[] = [];
    await runFlowEdit(
      ['--checkpoint', checkpoint, '--flow', flowPath, '--seeds', '3,5', '--attributes', '0.5,-1', '--edit', 'smiling+=1@region_1', '--edit', 'bald=2@region_2,region_3', '--solver', 'rk4', '--rk4-steps', '2', '--scale', '2', '--out', out],
      (line) => lines.push(line),
    );
    const strip = PNG.sync.read(await readFile(join(out, 'strip-1.png')));
    expect([strip.width, strip.height]).toEqual([3 * 64 + 2 * 2, 64]); // before + 2 edits, ×2 upscaled, 2-px gaps
    const summary = JSON.parse(await readFile(join(out, 'flow-edit.json'), 'utf8')) as { slots: number[][]; attributes: number[]; seeds: number[] };
    expect(summary.seeds).toEqual([3, 5]);
    expect(summary.slots).toEqual([[3, 4], [5, 6, 7, 8]]); // region_1's shape + texture codes, then region_2's and region_3's
    expect(summary.attributes).toEqual([0.5, -1, 0.5, -1]);
    expect(lines.join('\n')).toMatch(/wrote 4 file\(s\)/);
  });

  it('reads source attributes from a comma list, a JSON file (one row or one per sample), or zeros', async () => {
    expect(Array.from(await parseSourceAttributes(undefined, 2, 3))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(await parseSourceAttributes('1, 2', 2, 2))).toEqual([1, 2, 1, 2]);
    const file = join(dir, 'rows.json');
    await writeFile(file, JSON.stringify([[1, 2], [3, 4]]));
    expect(Array.from(await parseSourceAttributes(file, 2, 2))).toEqual([1, 2, 3, 4]);
    await expectCodeAsync(() => parseSourceAttributes('1,2,3', 2, 2), 'E_INVALID_ARGUMENT');
    await expectCodeAsync(() => parseSourceAttributes('1,x', 2, 2), 'E_INVALID_ARGUMENT');
    await expectCodeAsync(() => parseSourceAttributes(file, 3, 2), 'E_INVALID_ARGUMENT');
    await expectCodeAsync(() => parseSourceAttributes(join(dir, 'missing.json'), 2, 2), 'E_INVALID_ARGUMENT');
  });

  it('refuses bad edits, regions, solvers and missing flags with typed errors', async () => {
    const base = ['--checkpoint', checkpoint, '--flow', flowPath, '--seeds', '0', '--out', join(dir, 'bad'), '--solver', 'rk4', '--rk4-steps', '1'];
    await expectCodeAsync(() => runFlowEdit(['--flow', flowPath, '--out', dir]), 'E_INVALID_ARGUMENT');
    await expectCodeAsync(() => runFlowEdit([...base, '--edit', 'smiling*2']), 'E_INVALID_ARGUMENT');
    await expectCodeAsync(() => runFlowEdit([...base, '--edit', 'age+=1']), 'E_INVALID_ARGUMENT'); // not an attribute of the flow
    await expectCodeAsync(() => runFlowEdit([...base, '--edit', 'smiling+=1@mouth']), 'E_UNKNOWN_REGION');
    await expectCodeAsync(() => runFlowEdit([...base, '--edit', 'smiling+=1', '--attributes', '1,2,3']), 'E_INVALID_ARGUMENT');
    await expectCodeAsync(() => runFlowEdit([...base.slice(0, -4), '--edit', 'smiling+=1', '--solver', 'euler']), 'E_INVALID_ARGUMENT');
  });
});
