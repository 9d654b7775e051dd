/** The run history of an exported checkpoint: parts across a fork, recipes, batch and wall time, hand-checked. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRAINING_OPTIONS, writeSafetensors } from '@semstyle/core';
import { runHistory } from './run-history.js';

const root = mkdtempSync(join(tmpdir(), 'semstyle-run-history-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A run folder: log lines for `steps` (each `seconds` long at batch 8) and checkpoints recording `options`. */
function makeRun(name: string, steps: number[], seconds: number, checkpoints: Record<number, object>): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  const lines = steps.map((step) => JSON.stringify({ step, d: step / 10, g: step, secondsPerStep: seconds, imagesPerSecond: 8 / seconds }));
  writeFileSync(join(dir, 'log.jsonl'), `${lines.join('\n')}\n`);
  for (const [step, options] of Object.entries(checkpoints)) {
    const bytes = writeSafetensors(new Map(), { semstyle_training: JSON.stringify({ step: Number(step), options }) });
    writeFileSync(join(dir, 'checkpoints', `${String(step).padStart(6, '0')}.safetensors`), bytes);
  }
  return dir;
}

describe('runHistory', () => {
  // Run A trained steps 1–6 (γ_seg 1000); run B forked from A's step-4 checkpoint with γ_seg 62.5 and logged 5–9.
  const a = makeRun('a', [1, 2, 3, 4, 5, 6], 2, { 4: { r1Seg: 1000 }, 6: { r1Seg: 1000 } });
  const b = makeRun('b', [5, 6, 7, 8, 9], 3, { 6: { r1Seg: 62.5 }, 8: { r1Seg: 62.5, lambdaMask: 50 } });

  it('splits the history at the fork and reads each part recipe from its newest checkpoint at or below the step', async () => {
    const history = await runHistory([a, b], 7, join(b, 'checkpoints', '000006.safetensors'));
    expect(history.parts.map((p) => [p.folder, p.fromStep, p.toStep])).toEqual([
      [a, 1, 4],
      [b, 5, 7],
    ]);
    expect(history.parts[0]!.recipe.r1Seg).toBe(1000);
    expect(history.parts[1]!.recipe.r1Seg).toBe(62.5);
    // Fields a checkpoint did not record are the Trainer's defaults.
    expect(history.parts[1]!.recipe.lambdaMask).toBe(DEFAULT_TRAINING_OPTIONS.lambdaMask);
    expect(history.parts[0]!.recipe.r1Img).toBe(DEFAULT_TRAINING_OPTIONS.r1Img);
  });

  it('counts each step once, the later folder winning: A 1–4 at 2 s + B 5–7 at 3 s', async () => {
    const history = await runHistory([a, b], 7, join(b, 'checkpoints', '000006.safetensors'));
    expect(history.wallHours * 3600).toBeCloseTo(4 * 2 + 3 * 3, 9);
    expect(history.batch).toBe(8);
    expect(history.steps).toBe(7);
    expect(history.lastLosses).toMatchObject({ step: 7, g: 7 });
  });

  it('a later step takes the later recipe; a folder without a log is skipped', async () => {
    const history = await runHistory([a, join(root, 'missing'), b], 9, join(b, 'checkpoints', '000008.safetensors'));
    expect(history.parts.map((p) => p.toStep)).toEqual([4, 9]);
    expect(history.parts[1]!.recipe.lambdaMask).toBe(50);
  });

  it('with nothing logged the wall time is NaN and there are no parts', async () => {
    const history = await runHistory([join(root, 'missing')], 3, join(b, 'checkpoints', '000006.safetensors'));
    expect(history.parts).toEqual([]);
    expect(history.wallHours).toBeNaN();
    expect(history.batch).toBeNull();
  });
});
