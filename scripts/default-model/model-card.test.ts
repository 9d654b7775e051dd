/** The model card: the committed README is what modelCard renders from the committed card.json, and the
 *  "regions the masks do not claim" paragraph follows the class shares. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modelCard, type ModelCardData } from './model-card.js';

const dir = fileURLToPath(new URL('../../packages/core/models/default/', import.meta.url));
const committed = JSON.parse(readFileSync(`${dir}card.json`, 'utf8')) as ModelCardData;

/** The committed card with its class shares replaced: `generator` and `parserOnGenerated` per class. */
function withShares(shares: Record<string, [number, number]>): ModelCardData {
  const e = committed.evaluation;
  const generator = { ...e.classShare.generator };
  const parserOnGenerated = { ...e.classShare.parserOnGenerated };
  for (const k of Object.keys(generator)) {
    generator[k] = e.classShare.parserOnReal[k]!;
    parserOnGenerated[k] = e.classShare.parserOnReal[k]!;
  }
  for (const [k, [g, p]] of Object.entries(shares)) (generator[k] = g), (parserOnGenerated[k] = p);
  return { ...committed, evaluation: { ...e, classShare: { ...e.classShare, generator, parserOnGenerated } } };
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

  it('has no "do not claim" paragraph when every region is claimed', () => {
    expect(modelCard(withShares({}))).not.toContain('Regions the masks do not claim');
  });

  it('tells drawn-but-unclaimed regions from undrawn ones', () => {
    // mouth: 0 % of mask pixels but drawn as often as on real faces; eyeglasses: neither.
    const real = committed.evaluation.classShare.parserOnReal;
    const card = modelCard(withShares({ mouth: [0, real['mouth']!], eyeglasses: [0, 0.05 * real['eyeglasses']!] }));
    expect(card).toContain('**Regions the masks do not claim.** mouth (0.00 % of mask pixels');
    expect(card).toContain('; eyeglasses (0.00 % of mask pixels');
    expect(card).toContain('The images draw mouth (the parser finds them about as often as on real faces)');
    expect(card).toContain('The images rarely draw eyeglasses at all.');
    // A claim of a tenth of the real share or more counts as claimed; classes rarer than 0.1 % are ignored.
    expect(modelCard(withShares({ mouth: [0.1 * real['mouth']!, real['mouth']!] }))).not.toContain('Regions the masks do not claim');
    expect(real['earrings']).toBeLessThan(0.001);
    expect(modelCard(withShares({ earrings: [0, 0] }))).not.toContain('Regions the masks do not claim');
  });
});
