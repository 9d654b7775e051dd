/** The model card: the committed README is what modelCard renders from the committed card.json, and the
  "regions their own codes do not draw" paragraph follows the class shares. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modelCard, type ModelCardData } from './model-card.js';

const dir = fileURLToPath(new URL('../../packages/core/models/default/', import.meta.url));
const committed = JSON.parse(readFileSync(`${dir}card.json`, 'utf8')) as ModelCardData;

interface Shares {
  final?: number;
  coarse?: number;
  parsed?: number;
}

/** The committed card with every class claimed as on real faces, except the given shares. */
function withShares(shares: Record<string, Shares>): ModelCardData {
  const e = committed.evaluation;
  const real = e.classShare.parserOnReal;
  const pick = (field: keyof Shares) => Object.fromEntries(Object.keys(real).map((k) => [k, shares[k]?.[field] ?? real[k]!]));
  const classShare = { generator: pick('final'), generatorCoarse: pick('coarse'), parserOnGenerated: pick('parsed'), parserOnReal: real };
  return { ...committed, evaluation: { ...e, classShare } };
}

describe('modelCard', () => {
  it('renders the committed model card from the committed card.json', () => {
    expect(modelCard(committed)).toBe(readFileSync(`${dir}README.md`, 'utf8'));
  });

  it('names the config, size, recipe parts and the measured figures', () => {
    const card = modelCard(committed);
    expect(card).toContain(`# semstyle default model (${committed.model}) — step ${committed.step}`);
    expect(card).toContain(`(\`${committed.configFile}\` in the repository.)`);
    expect(card).toContain(`| FID (classifier features) | ${committed.evaluation.fid.toFixed(2)} | ${committed.evaluationTruncation07.fid.toFixed(2)} | ${committed.evaluation.fidFloor.toFixed(2)} |`);
    expect(card).toContain(`parser on real faces: ${committed.parserMeanIoU.toFixed(3)} |`);
    for (const part of committed.training.parts) expect(card).toContain(`| ${part.fromStep}–${part.toStep} | \`${part.folder}\` | ${part.recipe.r1Img} | ${part.recipe.r1Seg} | ${part.recipe.lambdaMask} |`);
  });

  it('gives each region its code-swap locality, and none for the background', () => {
    const swap = committed.evaluation.regionSwap;
    const card = modelCard({
      ...committed,
      evaluation: {
        ...committed.evaluation,
        regionSwap: {
          pairs: 7,
          outsideFraction: { ...swap.outsideFraction, hair: 0.123, mouth: 0.987 },
          pooledOutsideFraction: { ...swap.pooledOutsideFraction, hair: 0.101, mouth: 0.5 },
        },
      },
    });
    expect(card).toContain('(7 pairs, `edit_locality` of `@semstyle/metrics` on the face parser\'s masks)');
    expect(card).toMatch(/\| hair \|[^\n]* \| 0\.12 \/ 0\.10 \|\n/);
    expect(card).toMatch(/\| mouth \|[^\n]* \| 0\.99 \/ 0\.50 \|\n/);
    expect(card).toMatch(/\| background \|[^\n]* \| — \|\n/);
  });

  it('has no "do not draw" paragraph when every region is claimed', () => {
    expect(modelCard(withShares({}))).not.toContain('do not draw');
  });

  it('tells drawn-but-unclaimed regions from undrawn ones', () => {
    // mouth: in no mask but drawn as often as on real faces; eyeglasses: neither.
    const real = committed.evaluation.classShare.parserOnReal;
    const card = modelCard(withShares({ mouth: { final: 0, coarse: 0 }, eyeglasses: { final: 0, coarse: 0, parsed: 0.05 * real['eyeglasses']! } }));
    expect(card).toContain('**Regions their own codes do not draw.** mouth (0.00 % of coarse-mask pixels');
    expect(card).toContain('; eyeglasses (0.00 % of coarse-mask pixels');
    expect(card).toContain('The images draw mouth (the parser finds them about as often as on real faces)');
    expect(card).toContain('The images rarely draw eyeglasses at all.');
    expect(card).not.toContain('The final masks label');
    // A coarse share of a tenth of the real share or more counts as claimed; classes rarer than 0.1 % are ignored.
    expect(modelCard(withShares({ mouth: { coarse: 0.1 * real['mouth']! } }))).not.toContain('do not draw');
    expect(real['earrings']).toBeLessThan(0.001);
    expect(modelCard(withShares({ earrings: { final: 0, coarse: 0, parsed: 0 } }))).not.toContain('do not draw');
  });

  it('names a region the final masks label only through the render net (coarse share near 0)', () => {
    const real = committed.evaluation.classShare.parserOnReal;
    const card = modelCard(withShares({ neck: { final: 0.5 * real['neck']!, coarse: 0.0003 } }));
    expect(card).toContain('neck (0.03 % of coarse-mask pixels');
    expect(card).toContain(`The final masks label neck (${(50 * real['neck']!).toFixed(2)} %), but through the render net's refinement of a neighbouring region, not from its own codes.`);
    expect(card).toContain(`| neck | ${(50 * real['neck']!).toFixed(2)} % | 0.03 % |`);
  });
});
