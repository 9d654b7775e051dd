import { parseArgs } from 'node:util';
import { initBackend, InputError, type BackendName } from '@semstyle/core';
import { trainFlowCommand } from '@semstyle/styleflow/node';

export const TRAIN_FLOW_HELP = `  semstyle train-flow --data pairs.safetensors --out DIR --steps N [--resume] [--hidden 512 --layers 5]
                    [--batch N] [--lr LR] [--checkpoint-every N]     StyleFlow CNF on (latent, attributes) pairs`;

/** `semstyle train-flow`: train a conditional CNF by maximum likelihood on (latent, attributes) pairs. */
export async function runTrainFlow(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      steps: { type: 'string' },
      resume: { type: 'boolean' },
      hidden: { type: 'string' },
      layers: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      'checkpoint-every': { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  if (!values.data || !values.out || !values.steps) throw new InputError('E_INVALID_ARGUMENT', 'train-flow needs --data, --out and --steps.');
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps <= 0) throw new InputError('E_INVALID_ARGUMENT', `--steps must be a positive integer (got ${values.steps}).`);
  await initBackend((values.backend ?? 'wasm') as BackendName);
  const hidden = values.hidden ? Number(values.hidden) : undefined;
  const layers = values.layers ? Number(values.layers) : undefined;
  const result = await trainFlowCommand({
    data: values.data,
    out: values.out,
    steps,
    ...(hidden || layers ? { flow: { hidden: Array.from({ length: layers ?? 5 }, () => hidden ?? 512) } } : {}),
    training: {
      ...(values.batch ? { batchSize: Number(values.batch) } : {}),
      ...(values.lr ? { lr: Number(values.lr) } : {}),
    },
    ...(values['checkpoint-every'] ? { checkpointEvery: Number(values['checkpoint-every']) } : {}),
    resume: values.resume ?? false,
    onProgress: (p) => {
      if (p.step % 10 === 0 || p.checkpoint) process.stderr.write(`\rstep ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)}${p.checkpoint ? ' (checkpoint)' : ''}   `);
    },
  });
  process.stderr.write('\n');
  console.log(JSON.stringify(result));
}
