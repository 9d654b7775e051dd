import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, InputError, type BackendName } from '@semstyle/core';
import { loadGenerator, writeFileAtomic } from '@semstyle/core/node';
import { parseFlowEditStep, type FlowEditStep, type SolverOptions } from '@semstyle/styleflow';
import { flowEditCommand, loadFlow } from '@semstyle/styleflow/node';
import { parseSeeds } from '../seeds.js';

export const FLOW_EDIT_HELP = `  semstyle flow-edit [--checkpoint FILE] --flow flow.safetensors --edit ATTR+=D[@REGION,…] [--edit …]
                    [--seeds 0-3] [--attributes a,b,… | rows.json] [--truncation PSI] [--solver dopri5|rk4]
                    [--rk4-steps N] [--scale N] --out DIR     StyleFlow before/after strips (edits in order)`;

/**
 * Source attributes [n, condDim] for `--attributes`: a comma list (the same row for every sample), a JSON
 * file holding one row or one row per sample, or (absent) zeros — the population mean when the flow was
 * trained on standardised attributes.
 */
export async function parseSourceAttributes(spec: string | undefined, n: number, condDim: number): Promise<Float32Array> {
  if (spec === undefined) return new Float32Array(n * condDim);
  let rows: unknown;
  if (/\.json$/i.test(spec.trim())) {
    try {
      rows = JSON.parse(await readFile(spec.trim(), 'utf8')) as unknown;
    } catch (cause) {
      throw new InputError('E_INVALID_ARGUMENT', `Cannot read the attributes file ${spec}.`, { cause });
    }
  } else rows = spec.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s)));
  const list = Array.isArray(rows) && rows.every((r) => typeof r === 'number') ? Array.from({ length: n }, () => rows as number[]) : rows;
  if (!Array.isArray(list) || list.length !== n || !list.every((r) => Array.isArray(r) && r.length === condDim && r.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
    throw new InputError('E_INVALID_ARGUMENT', `--attributes must give ${condDim} finite numbers (the flow's condition length), once or once per sample (${n}).`, {
      details: { condDim, samples: n },
    });
  }
  return Float32Array.from((list as number[][]).flat());
}

/** `semstyle flow-edit`: sequential StyleFlow edits of seeded samples, written as before/after strips. */
export async function runFlowEdit(argv: string[], log: (line: string) => void = (line) => console.log(line)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      checkpoint: { type: 'string' },
      flow: { type: 'string' },
      edit: { type: 'string', multiple: true },
      seeds: { type: 'string' },
      attributes: { type: 'string' },
      truncation: { type: 'string' },
      solver: { type: 'string' },
      'rk4-steps': { type: 'string' },
      scale: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  if (!values.flow || !values.out || !values.edit || values.edit.length === 0) {
    throw new InputError('E_INVALID_ARGUMENT', 'flow-edit needs --flow FILE, at least one --edit ATTR+=DELTA[@REGION] and --out DIR.');
  }
  const edits: FlowEditStep[] = values.edit.map(parseFlowEditStep);
  const seeds = parseSeeds(values.seeds ?? '0-3');
  const truncation = values.truncation === undefined ? undefined : Number(values.truncation);
  if (truncation !== undefined && !Number.isFinite(truncation)) throw new InputError('E_INVALID_ARGUMENT', `--truncation must be a number (got ${values.truncation}).`);
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!Number.isInteger(scale) || scale < 1) throw new InputError('E_INVALID_ARGUMENT', `--scale must be a positive integer (got ${values.scale}).`);
  const method = values.solver ?? 'dopri5';
  if (method !== 'dopri5' && method !== 'rk4') throw new InputError('E_INVALID_ARGUMENT', `--solver must be dopri5 or rk4 (got ${method}).`);
  const rk4Steps = values['rk4-steps'] === undefined ? 8 : Number(values['rk4-steps']);
  if (!Number.isInteger(rk4Steps) || rk4Steps < 1) throw new InputError('E_INVALID_ARGUMENT', `--rk4-steps must be a positive integer (got ${values['rk4-steps']}).`);
  const solver: SolverOptions | undefined = method === 'rk4' ? { method: 'rk4', steps: rk4Steps } : undefined;

  await initBackend((values.backend ?? 'wasm') as BackendName);
  const flow = await loadFlow(values.flow);
  const generator = await loadGenerator(values.checkpoint);
  const attributes = tf.tensor2d(await parseSourceAttributes(values.attributes, seeds.length, flow.config.condDim), [seeds.length, flow.config.condDim]);
  try {
    const result = await flowEditCommand({
      generator,
      flow,
      seeds,
      ...(truncation === undefined ? {} : { truncation }),
      attributes,
      edits,
      out: values.out,
      ...(solver ? { solver } : {}),
      scale,
    });
    const summary = join(values.out, 'flow-edit.json');
    await writeFileAtomic(
      summary,
      `${JSON.stringify({ flow: values.flow, checkpoint: values.checkpoint ?? null, seeds, truncation: truncation ?? 1, solver: solver ?? { method: 'dopri5' }, edits: values.edit, slots: result.slots, attributes: Array.from(await attributes.data()), attributeNames: flow.config.attributeNames ?? null }, null, 2)}\n`,
    );
    log(`wrote ${result.files.length + 1} file(s) to ${values.out}: one strip per seed (before, then after each of ${edits.length} edit(s)); edited W+ slots ${result.slots.map((s) => `[${s.join(', ')}]`).join(', ')}`);
  } finally {
    attributes.dispose();
    flow.dispose();
    generator.dispose();
  }
}
