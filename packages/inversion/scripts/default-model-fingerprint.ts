/**
 * Which weights core's embedded default model holds: the SHA-256 of its native files (model.json and the
 * weight shards, in name order). The embedded default encoder records it, so that a re-exported default
 * model is caught (the encoder must then be fine-tuned on it and re-exported).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultModelPath } from '@semstyle/core/node';

export function defaultModelWeightsSha256(dir: string = defaultModelPath()): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).filter((f) => f === 'model.json' || f.endsWith('.bin')).sort()) {
    hash.update(name);
    hash.update(readFileSync(join(dir, name)));
  }
  return hash.digest('hex');
}

/** The embedded default model's step, from its model card. */
export function defaultModelStep(dir: string = defaultModelPath()): number {
  return (JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) as { step: number }).step;
}
