import { loadNsfwjsInception } from '../extractors/nsfwjs-inception.js';
import { makeFidMetric } from './fid.js';

/** fid with the fine-tuned InceptionV3 of the nsfwjs package (loaded when no extractor is given). NOT comparable with published figures. */
export const fidNsfwjsInception = makeFidMetric(
  'fid_nsfwjs_inception',
  'fid on 2048-d flatten_1 features of the FINE-TUNED (NSFW) InceptionV3 bundled with nsfwjs: offline, but not comparable with published figures.',
  () => loadNsfwjsInception(),
);
