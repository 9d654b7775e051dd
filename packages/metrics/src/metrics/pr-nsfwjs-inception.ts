import { loadNsfwjsInception } from '../extractors/nsfwjs-inception.js';
import { makePrMetric } from './pr.js';

/** pr with the fine-tuned InceptionV3 of the nsfwjs package (loaded when no extractor is given). NOT comparable with published figures. */
export const prNsfwjsInception = makePrMetric(
  'pr_nsfwjs_inception',
  'pr on 2048-d flatten_1 features of the FINE-TUNED (NSFW) InceptionV3 bundled with nsfwjs: offline, but not comparable with published figures.',
  () => loadNsfwjsInception(),
);
