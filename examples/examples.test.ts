import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'semstyle-examples-'));

/** Run an example as a user would (`npx tsx examples/<name>.ts`), on the tiny testing generator. */
function run(name: string): string {
  return execFileSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'examples', `${name}.ts`)], {
    cwd: ROOT,
    env: { ...process.env, SEMSTYLE_EXAMPLE_TINY: '1', SEMSTYLE_EXAMPLE_OUT: out },
    encoding: 'utf8',
  });
}

describe('examples run end to end (tiny generator)', () => {
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each([
    ['quickstart', ['faces.png']],
    ['region-swap', ['swap.png', 'build-up.png']],
    ['interpolation', ['interpolation.png']],
    ['interfacegan', ['unrestricted.png', 'restricted.png']],
    ['inversion', ['inversion.png']],
    ['styleflow', ['styleflow.png']],
    ['metrics-report', ['locality.svg', 'ppl.svg', ...(existsSync(join(ROOT, 'data/faces64-heldout/images')) ? ['fid-kid.svg'] : [])]],
  ])('%s writes its pictures and report', (name, pictures) => {
    const stdout = run(name);
    expect(stdout).toMatch(/wrote .*README\.md/);
    for (const p of pictures) {
      expect(existsSync(join(out, name, p)), p).toBe(true);
      if (p.endsWith('.svg')) expect(readFileSync(join(out, name, p), 'utf8')).toMatch(/^<svg [\s\S]*<\/svg>$/);
    }
    const report = readFileSync(join(out, name, 'README.md'), 'utf8');
    for (const p of pictures) expect(report).toContain(`(${p})`);
  });
});
