import { loadNsfwjsInception } from '../extractors/nsfwjs-inception.js';
import { makeKidMetric } from './kid.js';

/** kid with the fine-tuned InceptionV3 of the nsfwjs package (loaded when no extractor is given). NOT comparable with published figures. */
export const kidNsfwjsInception = makeKidMetric(
  'kid_nsfwjs_inception',
  'kid on 2048-d flatten_1 features of the FINE-TUNED (NSFW) InceptionV3 bundled with nsfwjs: offline, but not comparable with published figures.',
  () => loadNsfwjsInception(),
);
