/**
 * Ship an encoder trained by `scripts/default-model.ts` on core's embedded default model as the embedded
 * default encoder (`loadDefaultEncoder()`, `semstyle invert --method restyle` without `--encoder`):
 *
 *   npx tsx packages/inversion/scripts/export-default-encoder.ts --from out/inversion-default64
 *
 * Reads FROM/encoder/encoder.safetensors (the training checkpoint), FROM/results.json and FROM/results.md
 * (the measurements), and writes packages/inversion/models/default-encoder/: encoder-weights.safetensors
 * (inference weights only), card.json and README.md (the model card). The run must have used the embedded
 * default model (`--checkpoint packages/core/models/default`); the card records that model's step and
 * weights hash. `--trained-with "COMMAND"` records the training command when results.json comes from an
 * evaluation-only rerun (`--encoder-steps 0 --resume`). Everything is staged beside the target and swapped in only once it is complete.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { initBackend, InputError } from '@semstyle/core';
import { defaultModelPath } from '@semstyle/core/node';
import { loadEncoder, readEncoderCheckpoint, saveEncoderWeights } from '@semstyle/inversion/node';
import { defaultModelStep, defaultModelWeightsSha256 } from './default-model-fingerprint.js';

const TARGET = fileURLToPath(new URL('../models/default-encoder', import.meta.url));
const { values } = parseArgs({
  options: {
    from: { type: 'string', default: 'out/inversion-default64' },
    // The command(s) that trained the encoder, when results.json comes from an evaluation-only rerun.
    'trained-with': { type: 'string' },
  },
});
const from = values.from!;
const trainedWith = values['trained-with'];

interface Results {
  command: string;
  generator: { checkpoint: string };
  encoder: { config: Record<string, unknown>; parameters: number; steps: number; training: Record<string, unknown> };
  evaluation: Record<string, unknown>;
  generated: { method: string; mse: number; psnr: number; ssim: number; latentMse?: number }[];
  real: { method: string; mse: number; psnr: number; ssim: number }[];
  restyleFalling: { generated: boolean; real: boolean };
  swap: Record<string, unknown>;
}

const results = JSON.parse(readFileSync(join(from, 'results.json'), 'utf8')) as Results;
if (resolve(results.generator.checkpoint) !== resolve(defaultModelPath())) {
  throw new InputError('E_INVALID_ARGUMENT', `${from} was measured on ${results.generator.checkpoint}, not on the embedded default model (${defaultModelPath()}).`);
}
const checkpoint = join(from, 'encoder', 'encoder.safetensors');
const step = (await readEncoderCheckpoint(checkpoint)).step;
if (step !== results.encoder.steps) {
  throw new InputError('E_INVALID_ARGUMENT', `${checkpoint} is at step ${step} but ${from}/results.json measured step ${results.encoder.steps}: rerun the evaluation (--encoder-steps 0 --resume).`);
}

await initBackend('wasm', { threads: 1 });
const staging = `${TARGET}.staging-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
const encoder = await loadEncoder(checkpoint);
try {
  await saveEncoderWeights(join(staging, 'encoder-weights.safetensors'), encoder);
} finally {
  encoder.dispose();
}
const sizeBytes = statSync(join(staging, 'encoder-weights.safetensors')).size;
if (sizeBytes > 20 * 2 ** 20) throw new InputError('E_INVALID_ARGUMENT', `The encoder weights are ${sizeBytes} bytes, over the 20 MiB limit for a committed model.`);

const generator = { model: '@semstyle/core embedded default model', step: defaultModelStep(), weightsSha256: defaultModelWeightsSha256() };
const card = {
  model: 'semstyle default ReStyle encoder',
  step,
  sizeBytes,
  generator,
  encoder: results.encoder,
  evaluation: { settings: results.evaluation, generated: results.generated, real: results.real, restyleFalling: results.restyleFalling, swap: results.swap },
  command: results.command,
  ...(trainedWith ? { trainedWith } : {}),
  created: new Date().toISOString(),
};
writeFileSync(join(staging, 'card.json'), `${JSON.stringify(card, null, 2)}\n`);
const training = results.encoder.training as { secondsOfSteps?: number };
const readme = `# Default ReStyle encoder (model card)

A ReStyle-pSp encoder (step ${step}) for \`@semstyle/core\`'s embedded default model at step ${generator.step}
(weights SHA-256 \`${generator.weightsSha256.slice(0, 16)}…\`): \`loadDefaultEncoder()\` from
\`@semstyle/inversion/node\`, and \`semstyle invert --method restyle\` without \`--checkpoint\` / \`--encoder\`.
${(sizeBytes / 1e6).toFixed(1)} MB of float32 inference weights, ${results.encoder.parameters.toLocaleString('en-US')} parameters;
${((training.secondsOfSteps ?? Number.NaN) / 3600).toFixed(2)} h of training steps on the project's 2-core CPU machine.
It inverts that generator's images; on another generator of the same configuration it loads (the configuration
check passes) but has never seen its latent space.

Trained and measured with

\`\`\`sh
${trainedWith ? `${trainedWith}\n` : ''}${results.command}
npx tsx packages/inversion/scripts/export-default-encoder.ts --from ${from}
\`\`\`

Error falling across passes 1 → 5: generated faces ${results.restyleFalling.generated ? 'yes' : 'no'}, dataset faces ${results.restyleFalling.real ? 'yes' : 'no'}.

## Measured (from the run's results.md)

${readFileSync(join(from, 'results.md'), 'utf8').trim()}
`;
writeFileSync(join(staging, 'README.md'), readme);

const previous = `${TARGET}.previous-${process.pid}`;
if (existsSync(TARGET)) renameSync(TARGET, previous);
renameSync(staging, TARGET);
rmSync(previous, { recursive: true, force: true });
console.log(`default encoder now ${TARGET} (step ${step}, for the default model at step ${generator.step}); model card ${join(TARGET, 'README.md')}`);
