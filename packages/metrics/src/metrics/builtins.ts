import type { MetricDefinition, MetricValues } from '../core/types.js';
import { directionCosine, type DirectionCosineOptions, type DirectionCosineValues } from './direction-cosine.js';
import { editLocalityMetric, type EditLocalityOptions, type EditLocalityValues } from './edit-locality.js';
import { fid, type FidOptions, type FidValues } from './fid.js';
import { fidNsfwjsInception } from './fid-nsfwjs-inception.js';
import { identity, type IdentityOptions, type IdentityValues } from './identity.js';
import { kid, type KidOptions, type KidValues } from './kid.js';
import { kidNsfwjsInception } from './kid-nsfwjs-inception.js';
import { linearSeparability, type LinearSeparabilityOptions, type LinearSeparabilityValues } from './linear-separability.js';
import { msSsim, type MsSsimOptions, type MsSsimValues } from './ms-ssim.js';
import { mse, type MseOptions, type MseValues } from './mse.js';
import { pplWend, pplWfull, pplZend, pplZfull, type PplOptions, type PplValues } from './ppl.js';
import { pr, type PrOptions, type PrValues } from './pr.js';
import { prNsfwjsInception } from './pr-nsfwjs-inception.js';
import { psnr, type PsnrOptions, type PsnrValues } from './psnr.js';
import { ssim, type SsimOptions, type SsimValues } from './ssim.js';

/** Options and values of every built-in metric, by name (drives `calcMetric`'s types). */
export interface BuiltinMetricTypes {
  fid: { options: FidOptions; values: FidValues };
  fid_nsfwjs_inception: { options: FidOptions; values: FidValues };
  kid: { options: KidOptions; values: KidValues };
  kid_nsfwjs_inception: { options: KidOptions; values: KidValues };
  pr: { options: PrOptions; values: PrValues };
  pr_nsfwjs_inception: { options: PrOptions; values: PrValues };
  mse: { options: MseOptions; values: MseValues };
  psnr: { options: PsnrOptions; values: PsnrValues };
  ssim: { options: SsimOptions; values: SsimValues };
  ms_ssim: { options: MsSsimOptions; values: MsSsimValues };
  identity: { options: IdentityOptions; values: IdentityValues };
  ppl_zfull: { options: PplOptions; values: PplValues };
  ppl_wfull: { options: PplOptions; values: PplValues };
  ppl_zend: { options: PplOptions; values: PplValues };
  ppl_wend: { options: PplOptions; values: PplValues };
  linear_separability: { options: LinearSeparabilityOptions; values: LinearSeparabilityValues };
  direction_cosine: { options: DirectionCosineOptions; values: DirectionCosineValues };
  edit_locality: { options: EditLocalityOptions; values: EditLocalityValues };
}

/** The built-in definitions, registered when the registry is first used. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const BUILTIN_METRICS: readonly MetricDefinition<any, MetricValues>[] = [
  fid,
  fidNsfwjsInception,
  kid,
  kidNsfwjsInception,
  pr,
  prNsfwjsInception,
  mse,
  psnr,
  ssim,
  msSsim,
  identity,
  pplZfull,
  pplWfull,
  pplZend,
  pplWend,
  linearSeparability,
  directionCosine,
  editLocalityMetric,
];
