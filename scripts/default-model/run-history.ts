/**
 * The training history behind an exported checkpoint, from its run folders' `log.jsonl` and checkpoints: which
 * folder trained which steps with which loss weights, the batch, and the wall time.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, resolveTrainingOptions, type TrainingOptions } from '@semstyle/core';
import { readFileBytes } from '@semstyle/core/node';

export interface LogLine {
  step: number;
  secondsPerStep?: number;
  imagesPerSecond?: number;
  d: number;
  g: number;
}

/** The training options a checkpoint recorded (its `semstyle_training` metadata), defaults filled in. */
export type Recipe = Omit<TrainingOptions, 'metrics'>;

export async function checkpointRecipe(path: string): Promise<Recipe> {
  const file = readSafetensors(await readFileBytes(path));
  const state = JSON.parse(file.metadata['semstyle_training'] ?? '{}') as { options?: Partial<TrainingOptions> };
  // Absent fields are the Trainer's defaults (the official recipe); metric hooks are code, not recorded.
  const { metrics: _metrics, ...recipe } = resolveTrainingOptions(state.options);
  return recipe;
}

/** One run folder's share of the history: the steps it contributed and its recipe. */
export interface RunPart {
  folder: string;
  fromStep: number;
  toStep: number;
  recipe: Recipe;
}

export interface RunHistory {
  steps: number;
  /** Sum of the logged seconds per step over the steps kept (NaN when nothing was logged). */
  wallHours: number;
  batch: number | null;
  lastLosses: LogLine | null;
  parts: RunPart[];
}

/**
 * The history up to `step` through `runDirs` (oldest first). A later folder that re-logs a step overrides the
 * earlier one (a resumed run logs again from its checkpoint); a later folder forked from an earlier
 * checkpoint ends the earlier folder's part just before its first step, since the steps past the fork were
 * discarded. Each part's recipe is read from its newest checkpoint at or below `step`, else from
 * `fallbackCheckpoint`.
 */
export async function runHistory(runDirs: readonly string[], step: number, fallbackCheckpoint: string): Promise<RunHistory> {
  const byStep = new Map<number, LogLine>();
  const parts: RunPart[] = [];
  for (const dir of runDirs) {
    const file = join(dir, 'log.jsonl');
    if (!existsSync(file)) continue;
    let from = Infinity;
    let to = -Infinity;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const parsed = JSON.parse(line) as LogLine;
      if (parsed.step > step) continue;
      byStep.set(parsed.step, parsed);
      from = Math.min(from, parsed.step);
      to = Math.max(to, parsed.step);
    }
    if (to < from) continue;
    const checkpointDir = join(dir, 'checkpoints');
    const checkpoints = existsSync(checkpointDir)
      ? readdirSync(checkpointDir)
          .filter((f) => /^\d+\.safetensors$/.test(f) && Number(f.slice(0, -'.safetensors'.length)) <= step)
          .sort()
      : [];
    const newest = checkpoints[checkpoints.length - 1];
    parts.push({ folder: dir, fromStep: from, toStep: to, recipe: await checkpointRecipe(newest ? join(checkpointDir, newest) : fallbackCheckpoint) });
  }
  for (let i = 0; i + 1 < parts.length; i++) parts[i]!.toStep = Math.min(parts[i]!.toStep, parts[i + 1]!.fromStep - 1);
  let seconds = 0;
  let batch: number | null = null;
  for (const line of byStep.values()) {
    seconds += line.secondsPerStep ?? 0;
    if (line.imagesPerSecond && line.secondsPerStep) batch = Math.round(line.imagesPerSecond * line.secondsPerStep);
  }
  return { steps: step, wallHours: byStep.size > 0 ? seconds / 3600 : NaN, batch, lastLosses: byStep.get(step) ?? null, parts };
}
