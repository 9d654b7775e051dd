import { InputError } from '@semstyle/core';
import type { FlowEditStep } from './edit.js';

const SPEC = /^([A-Za-z_][\w.]*|\d+)\s*(\+=|-=|=)\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(?:@\s*(.*))?$/;

/**
 * Parse one edit step written for a command line: `ATTR+=D` / `ATTR-=D` (change by ±D) or `ATTR=V` (set
 * to V), optionally `@REGION[,REGION…]` to edit only those regions' W+ codes. ATTR is an attribute name of
 * the flow (letters, digits, `_`, `.`) or its index; regions are names or indices. Examples: `smiling+=1.5@mouth`, `bald=2@hair`,
 * `0-=1`. Anything else is E_INVALID_ARGUMENT.
 */
export function parseFlowEditStep(text: string): FlowEditStep {
  const m = SPEC.exec(text.trim());
  if (m === null) {
    throw new InputError('E_INVALID_ARGUMENT', `Cannot parse the edit "${text}": use ATTR+=DELTA, ATTR-=DELTA or ATTR=VALUE, optionally @REGION[,REGION] (e.g. smiling+=1@mouth).`);
  }
  const [, name, op, number, regionText] = m as unknown as [string, string, '+=' | '-=' | '=', string, string | undefined];
  const amount = Number(number);
  if (!Number.isFinite(amount)) throw new InputError('E_INVALID_ARGUMENT', `The edit "${text}" has a non-finite amount.`);
  const attribute: string | number = /^\d+$/.test(name) ? Number(name) : name;
  const change = op === '=' ? { attribute, value: amount } : { attribute, delta: op === '+=' ? amount : -amount };
  if (regionText === undefined) return { changes: [change] };
  const regions = regionText.split(',').map((r) => r.trim());
  if (regions.length === 0 || regions.some((r) => r === '')) throw new InputError('E_INVALID_ARGUMENT', `The edit "${text}" names an empty region.`);
  return { changes: [change], regions: regions.map((r) => (/^\d+$/.test(r) ? Number(r) : r)) };
}
