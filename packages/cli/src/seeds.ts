import { InputError } from '@semstyle/core';

/** "0-7", "3", "1,4,9" or "0-3,10" → seeds. */
export function parseSeeds(spec: string): number[] {
  const seeds: number[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      if (b < a) throw new InputError('E_INVALID_ARGUMENT', `Seed range "${part}" runs backwards.`);
      if (b - a > 100_000) throw new InputError('E_INVALID_ARGUMENT', `Seed range "${part}" is too long.`);
      for (let s = a; s <= b; s++) seeds.push(s);
    } else if (/^\d+$/.test(part)) {
      seeds.push(Number(part));
    } else {
      throw new InputError('E_INVALID_ARGUMENT', `Cannot read seeds "${spec}": use e.g. 0-7 or 1,4,9.`);
    }
  }
  if (seeds.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'No seeds given.');
  return seeds;
}
