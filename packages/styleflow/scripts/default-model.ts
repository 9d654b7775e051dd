/**
 * Issue #10's "on the default model" evidence: StyleFlow vs InterFaceGAN on the same samples.
 *
 * Runs after `packages/interfacegan/scripts/default-model.ts` and reuses its output folder (IGAN): the N
 * region-mixed W+ samples with their scores, the attribute list (score, regions), the directions, the edit
 * latents and the equal-change targets.
 *
 *   1. (latent, attributes) pairs: the four attribute scores, standardised over the N samples; per region
 *      group (mouth for smiling; hair for bald, bangs, beard) the pairs are that region's W+ rows (shape and
 *      texture codes), each paired with its sample's attributes;
 *   2. one conditional CNF per region group, trained by maximum likelihood (`trainFlowCommand`: resumable
 *      checkpoints under OUT/flows/<group>);
 *   3. on the same held-out edit latents: StyleFlow edits (w → z under the source attributes, attribute + δ,
 *      z → w′, only the region's codes replaced) and InterFaceGAN's unrestricted and restricted edits,
 *      calibrated to the same mean scorer change (`compareAtEqualChange`), locality by the metrics package's
 *      editLocality; comparison strips;
 *   4. OUT/results.json and OUT/results.md (the README table).
 *
 *   npx tsx packages/styleflow/scripts/default-model.ts --checkpoint runs/default64/checkpoints/NNNNNN.safetensors \
 *     --igan out/interfacegan-default --out out/styleflow-default --steps 500
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, InputError, regionSlots, type SemanticGeneratorV1, type WPlusLatent } from '@semstyle/core';
import { loadGenerator, writeFileAtomic } from '@semstyle/core/node';
import { loadAttributeClassifier, loadFaceParser } from '@semstyle/datasets';
import {
  compareAtEqualChange,
  createEditEvaluator,
  edit,
  expectDirectionSpace,
  generateSamples,
  generatorFingerprint,
  samplesToLatent,
  type EditEvaluator,
  type EditMethod,
} from '@semstyle/interfacegan';
import { loadDirection, loadSamples, writeComparisonGrid } from '@semstyle/interfacegan/node';
import { arrayDataSource, flowEdit, selectPairRows, type SolverOptions } from '@semstyle/styleflow';
import { loadFlow, trainFlowCommand } from '@semstyle/styleflow/node';
import { faceModelScorers } from '../../interfacegan/scripts/face-model-scorers.js';

const HELP = `default-model.ts — StyleFlow (one CNF per region group) vs InterFaceGAN at equal attribute change

  --checkpoint PATH     generator checkpoint (the one the InterFaceGAN run used)               (default: the embedded default model)
  --igan DIR            output of packages/interfacegan/scripts/default-model.ts (default out/interfacegan-default)
  --out DIR             output folder (default out/styleflow-default)
  --steps N             training steps per flow (default 500; resumable: a rerun continues to N)
  --hidden W,W,…        ODE-net hidden widths (default 128,128; StyleFlow's original: five of 512)
  --batch B             training batch (default 64)
  --lr LR               Adam learning rate (default 0.002)
  --solver-steps K      RK4 steps per training solve (default 2)
  --edit-solver S       dopri5 (default; rtol = atol = 1e-5) or rk4:K
  --max-delta D         largest attribute change tried, in standard deviations (default 8)
  --strip-rows R        samples shown in each strip (default 4)
  --batch-render B      images per synthesis call (default 8)
  --threads T           wasm threads (default 1)
`;

interface IganAttribute {
  readonly attribute: string;
  readonly score: string;
  readonly regions: readonly string[];
  readonly edits: {
    readonly target: number;
    readonly failed: readonly string[];
    readonly methods: Readonly<Record<string, { readonly strength: number }>>;
  };
}

interface IganResults {
  readonly settings: { readonly checkpoint: string; readonly step: number | null; readonly truncation: number; readonly editN: number; readonly editSeed: number; readonly maxStrength: number; readonly n: number };
  readonly attributes: readonly IganAttribute[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

function num(value: string | undefined, fallback: number, what: string, integer = false): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) throw new InputError('E_INVALID_ARGUMENT', `--${what} must be ${integer ? 'an integer' : 'a number'}, got ${value}.`);
  return v;
}

function parseSolver(text: string | undefined): SolverOptions | undefined {
  if (text === undefined || text === 'dopri5') return undefined;
  const m = /^rk4:(\d+)$/.exec(text);
  if (m === null) throw new InputError('E_INVALID_ARGUMENT', `--edit-solver must be dopri5 or rk4:K, got ${text}.`);
  return { method: 'rk4', steps: Number(m[1]) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      checkpoint: { type: 'string' },
      igan: { type: 'string' },
      out: { type: 'string' },
      steps: { type: 'string' },
      hidden: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      'solver-steps': { type: 'string' },
      'edit-solver': { type: 'string' },
      'max-delta': { type: 'string' },
      'strip-rows': { type: 'string' },
      'batch-render': { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const checkpoint = values.checkpoint ?? 'embedded default model';
  const iganDir = values.igan ?? 'out/interfacegan-default';
  const out = values.out ?? 'out/styleflow-default';
  const steps = num(values.steps, 500, 'steps', true);
  const hidden = (values.hidden ?? '128,128').split(',').map((h) => num(h, 0, 'hidden', true));
  const training = { batchSize: num(values.batch, 64, 'batch', true), lr: num(values.lr, 0.002, 'lr'), solverSteps: num(values['solver-steps'], 2, 'solver-steps', true), seed: 0 };
  const solver = parseSolver(values['edit-solver']);
  const maxDelta = num(values['max-delta'], 8, 'max-delta');
  const batchSize = num(values['batch-render'], 8, 'batch-render', true);
  const threads = num(values.threads, 1, 'threads', true);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;

  const igan = JSON.parse(await readFile(join(iganDir, 'results.json'), 'utf8')) as IganResults;
  const backend = await initBackend('wasm', { threads });
  const g: SemanticGeneratorV1 & { dispose(): void } = await loadGenerator(values.checkpoint); // undefined: the embedded default model
  const sampling = JSON.parse(await readFile(join(iganDir, 'samples', 'sampling.json'), 'utf8')) as { settings: { generatorFingerprint: string; seed: number } };
  if ((await generatorFingerprint(g)) !== sampling.settings.generatorFingerprint) {
    throw new InputError('E_INVALID_ARGUMENT', `${checkpoint} is not the generator the InterFaceGAN run in ${iganDir} sampled (${igan.settings.checkpoint}): its weights differ.`);
  }
  const classifier = await loadAttributeClassifier();
  const parser = await loadFaceParser();
  const scorers = faceModelScorers(classifier, parser);

  // 1. Pairs: standardised attributes (samples with a non-finite score are left out).
  const samples = await loadSamples(join(iganDir, 'samples'));
  const names = igan.attributes.map((a) => a.attribute);
  const C = names.length;
  const columns = igan.attributes.map((a) => samples.scores[a.score]!);
  const stats = columns.map((col) => {
    const v = Array.from(col).filter(Number.isFinite);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    return { mean, sd: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) || 1 };
  });
  const keep = Array.from({ length: samples.n }, (_, i) => i).filter((i) => columns.every((col) => Number.isFinite(col[i]!)));
  const { nLatent, styleDim: D } = samples.layout;
  const latents = new Float32Array(keep.length * nLatent * D);
  const attributes = new Float32Array(keep.length * C);
  keep.forEach((i, r) => {
    latents.set(samples.latents.subarray(i * nLatent * D, (i + 1) * nLatent * D), r * nLatent * D);
    columns.forEach((col, c) => (attributes[r * C + c] = (col[i]! - stats[c]!.mean) / stats[c]!.sd));
  });
  const allPairs = { latents, attributes, n: keep.length, rows: nLatent, dim: D, condDim: C, attributeNames: names };
  log(`pairs: ${keep.length} of ${samples.n} samples (attributes ${names.join(', ')}, standardised)`);

  // 2. One flow per region group. The flows in OUT belong to these pairs and settings: a rerun with the
  //    same ones resumes them; anything else (e.g. samples of a newer checkpoint) is refused.
  const flowKey = { generator: sampling.settings.generatorFingerprint, samplesSeed: sampling.settings.seed, n: samples.n, pairs: keep.length, attributes: igan.attributes.map((a) => [a.attribute, a.score, a.regions]), hidden, training };
  const keyFile = join(out, 'flows', 'pairs-key.json');
  const previousKey = await readFile(keyFile, 'utf8').then((t) => t.trim(), () => null);
  if (previousKey !== null && previousKey !== JSON.stringify(flowKey)) {
    throw new InputError('E_INVALID_ARGUMENT', `${join(out, 'flows')} holds flows trained on other pairs or settings (${keyFile}); use another --out.`);
  }
  await writeFileAtomic(keyFile, `${JSON.stringify(flowKey)}\n`);
  const groups = new Map<string, readonly string[]>();
  for (const a of igan.attributes) groups.set(a.regions.join('+'), a.regions);
  const flowInfo: Record<string, unknown> = {};
  for (const [key, regions] of groups) {
    const slots = regionSlots(samples.layout, regions);
    const pairs = selectPairRows(allPairs, slots);
    const t0 = performance.now();
    let lastLog = 0;
    const result = await trainFlowCommand({
      data: arrayDataSource(pairs.latents, pairs.attributes, pairs),
      out: join(out, 'flows', key),
      steps,
      flow: { hidden, attributeNames: names, seed: 0 },
      training,
      checkpointEvery: 100,
      resume: true,
      onProgress: (p) => {
        if (p.step === p.totalSteps || performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          log(`flow ${key}: step ${p.step}/${p.totalSteps} NLL/dim ${f(p.nllPerDim)} T ${f(p.endTime)} (${f(p.ms, 0)} ms/step)`);
        }
      },
    });
    // Training record, accumulated over resumed runs (a rerun that trains no further step keeps the last one).
    const recordFile = join(out, 'flows', key, 'training-record.json');
    const previous = await readFile(recordFile, 'utf8').then((t) => JSON.parse(t) as { steps: number; seconds: number; trainMs: number; lastLoss: number | null }, () => null);
    const trained = result.step - (previous?.steps ?? 0);
    const record = {
      steps: result.step,
      seconds: (previous?.seconds ?? 0) + (trained > 0 ? (performance.now() - t0) / 1000 : 0),
      trainMs: (previous?.trainMs ?? 0) + (trained > 0 ? result.msPerStep * trained : 0),
      lastLoss: result.lastLoss ?? previous?.lastLoss ?? null,
    };
    await writeFileAtomic(recordFile, `${JSON.stringify(record)}\n`);
    flowInfo[key] = {
      regions,
      slots,
      rows: pairs.n * pairs.rows,
      step: result.step,
      lastLoss: record.lastLoss,
      nllPerDim: record.lastLoss === null ? null : record.lastLoss / D,
      msPerStep: record.steps > 0 ? record.trainMs / record.steps : 0,
      seconds: record.seconds,
      resumedFrom: result.resumedFrom ?? null,
    };
    log(`flow ${key}: ${result.step} steps, last loss ${f(result.lastLoss ?? Number.NaN, 1)} (${f((performance.now() - t0) / 1000, 0)} s)`);
  }
  const trainingSeconds = seconds();

  // 3. Edits on InterFaceGAN's edit latents.
  const editSamples = await generateSamples(g, { n: igan.settings.editN, seed: igan.settings.editSeed, space: 'w+', regionMixing: true, truncation: igan.settings.truncation, synthesize: false });
  const latent: WPlusLatent = samplesToLatent(editSamples);
  const evaluators = new Map<string, EditEvaluator>();
  for (const a of igan.attributes) evaluators.set(a.attribute, await createEditEvaluator(g, latent, { scorer: scorers[a.score]!, regions: [...a.regions], batchSize }));
  const source = tf.tidy(() => {
    const rows = new Float32Array(latent.tensor.shape[0] * C);
    igan.attributes.forEach((a, c) => {
      const s = evaluators.get(a.attribute)!.scoresBefore;
      for (let i = 0; i < s.length; i++) rows[i * C + c] = Number.isFinite(s[i]!) ? (s[i]! - stats[c]!.mean) / stats[c]!.sd : 0;
    });
    return tf.tensor2d(rows, [latent.tensor.shape[0], C]);
  });
  const flows = new Map<string, Awaited<ReturnType<typeof loadFlow>>>();
  for (const key of groups.keys()) flows.set(key, await loadFlow(join(out, 'flows', key, 'flow.safetensors')));

  const results = [];
  for (const a of igan.attributes) {
    const flow = flows.get(a.regions.join('+'))!;
    const dirU = await loadDirection(join(iganDir, 'directions', `${a.attribute}.safetensors`));
    const dirR = await loadDirection(join(iganDir, 'directions', `${a.attribute}-${a.regions.join('-')}.safetensors`));
    expectDirectionSpace(dirU, 'w+');
    expectDirectionSpace(dirR, 'w+');
    const known = (m: string) => (a.edits.failed.includes(m) ? 2 : a.edits.methods[m]!.strength);
    let flowErrors = 0;
    const methods: EditMethod[] = [
      { name: 'InterFaceGAN unrestricted', edit: (s) => edit(latent, dirU, s), calibration: { initial: known('unrestricted'), max: igan.settings.maxStrength } },
      { name: 'InterFaceGAN restricted', edit: (s) => edit(latent, dirR, s), calibration: { initial: known('restricted'), max: igan.settings.maxStrength } },
      {
        name: 'StyleFlow',
        edit: (s) => {
          try {
            const r = flowEdit(flow, latent, source, { changes: [{ attribute: a.attribute, delta: s }], regions: [...a.regions], ...(solver ? { solver } : {}) });
            r.attributes.dispose();
            return r.latent;
          } catch (e) {
            // A solver blow-up at an extreme attribute change counts as "no edit" (logged).
            flowErrors++;
            log(`  StyleFlow δ=${f(s, 2)} failed: ${(e as Error).message}`);
            return { ...latent, tensor: latent.tensor.clone() };
          }
        },
        calibration: { initial: 0.5, max: maxDelta },
      },
    ];
    const evaluator = evaluators.get(a.attribute)!;
    const cmp = await compareAtEqualChange(evaluator, methods, a.edits.target, {
      tolerance: 0.05,
      maxEvaluations: 10,
      onStep: (m, s, e) => log(`  ${a.attribute} ${m} s=${f(s, 2)}: Δscore ${f(e.scoreChange)} (target ${f(a.edits.target)}), outside ${f(e.outsideFraction)}`),
    });
    const row = Object.fromEntries(
      methods.map((m) => {
        const c = cmp.methods[m.name]!;
        return [m.name, { strength: c.strength, reached: c.reached, failed: cmp.failed.includes(m.name), scoreChange: c.result.scoreChange, shareIncreased: c.result.shareIncreased, outsideFraction: c.result.outsideFraction, meanIou: c.result.meanIou, latentDistance: c.result.latentDistance }];
      }),
    );
    const stripColumns = await Promise.all(methods.map((m) => m.edit(cmp.methods[m.name]!.strength)));
    await writeComparisonGrid(join(out, 'strips', `${a.attribute}.png`), g, [latent, ...stripColumns], { rows: Math.min(num(values['strip-rows'], 4, 'strip-rows', true), latent.tensor.shape[0]), scale: 2 });
    tf.dispose(stripColumns.map((c) => c.tensor));
    results.push({ attribute: a.attribute, score: a.score, regions: a.regions, requestedTarget: cmp.requestedTarget, target: cmp.target, failed: cmp.failed, flowErrors, methods: row, strip: `strips/${a.attribute}.png` });
    log(`${a.attribute}: at Δscore ${f(cmp.target)}: ${methods.map((m) => `${m.name} s=${f(row[m.name]!.strength, 2)} outside ${f(row[m.name]!.outsideFraction)}`).join('; ')} (${f(seconds(), 0)} s)`);
  }
  for (const e of evaluators.values()) e.dispose();
  for (const fl of flows.values()) fl.dispose();
  tf.dispose([latent.tensor, source]);
  classifier.dispose();
  parser.dispose();
  g.dispose();

  // 4. Files.
  const settings = {
    checkpoint: checkpoint,
    step: igan.settings.step,
    igan: iganDir,
    n: samples.n,
    pairs: keep.length,
    attributes: names,
    standardisation: Object.fromEntries(names.map((nm, c) => [nm, stats[c]])),
    flow: { hidden, endTime: 0.5, trainT: true, batchNorm: true, steps, ...training, trace: 'hutchinson (Rademacher)' },
    editSolver: solver ?? { method: 'dopri5', rtol: 1e-5, atol: 1e-5 },
    maxDelta,
    backend,
    threads,
    seconds: { training: trainingSeconds, total: seconds() },
  };
  await writeFileAtomic(join(out, 'results.json'), `${JSON.stringify({ format: 'semstyle.styleflow.default-model.v1', settings, flows: flowInfo, attributes: results }, null, 2)}\n`);
  const flowRows = Object.entries(flowInfo).map(([key, v]) => {
    const i = v as { rows: number; step: number; nllPerDim: number | null; msPerStep: number; seconds: number; slots: number[] };
    return `| ${key} | ${i.slots.join(', ')} | ${i.rows} | ${i.step} | ${i.nllPerDim === null ? '—' : f(i.nllPerDim)} | ${f(i.msPerStep, 0)} | ${f(i.seconds, 0)} |`;
  });
  const rows = results.flatMap((r) =>
    Object.entries(r.methods).map(([m, e]) => {
      const target = `${f(r.target)}${r.target < r.requestedTarget ? ` (asked ${f(r.requestedTarget)})` : ''}`;
      const unit = m === 'StyleFlow' ? 'δ' : 's';
      if (e.failed) return `| ${r.attribute} | ${target} | ${m} | — never raised the score (best Δ ${f(e.scoreChange)} at ${unit} = ${f(e.strength, 2)}) | | | | | |`;
      return `| ${r.attribute} | ${target} | ${m} | ${unit} = ${f(e.strength, 2)}${e.reached ? '' : ' (not reached)'} | ${f(e.scoreChange)} | ${f(e.shareIncreased, 2)} | **${f(e.outsideFraction)}** | ${f(e.meanIou)} | ${f(e.latentDistance, 1)} |`;
    }),
  );
  const md = `# StyleFlow vs InterFaceGAN on ${checkpoint}${igan.settings.step === null ? '' : ` (step ${igan.settings.step})`}

Pairs: the InterFaceGAN run's ${samples.n} region-mixed W+ samples (${keep.length} with all scores finite), attributes
${names.join(', ')} (scores ${igan.attributes.map((a) => `\`${a.score}\``).join(', ')}) standardised over them. One CNF per
region group on that region's W+ rows (shape + texture codes): ODE net ${hidden.join('-')} hidden, T₀ 0.5 (trained),
MovingBatchNorm in/out, ${steps} Adam steps (lr ${training.lr}, batch ${training.batchSize} rows), RK4×${training.solverSteps} in training,
Hutchinson trace. Edits: ${solver ? `RK4×${(solver as { steps: number }).steps}` : 'dopri5 (rtol = atol = 1e-5)'}, w → z under the source attributes
(the scores of the unedited render, standardised), attribute + δ, z → w′, only the region's codes replaced.
All three methods edit the same ${igan.settings.editN} held-out latents, calibrated to the same mean scorer change.
Backend ${backend}, ${threads} thread(s); flow training ${f(trainingSeconds, 0)} s, total ${f(seconds(), 0)} s.

| flow | W+ rows | training rows | steps | NLL/dim (last batch) | ms/step | s |
|---|---|---|---|---|---|---|
${flowRows.join('\n')}

| attribute | Δscore (target) | method | strength | Δscore | share increased | outside fraction | mean IoU other classes | W+ distance |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Strips (\`strips/<attribute>.png\`): columns unedited | InterFaceGAN unrestricted | InterFaceGAN restricted | StyleFlow,
image rows with their masks under them.
`;
  await writeFileAtomic(join(out, 'results.md'), md);
  log(`wrote ${join(out, 'results.json')}, ${join(out, 'results.md')} and strips/ in ${f(seconds(), 0)} s`);
  process.stdout.write(md);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
