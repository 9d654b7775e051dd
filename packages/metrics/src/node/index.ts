// Node-only helpers of @semstyle/metrics: result files, on-disk statistics cache, model conversion.
export { appendMetricResult, metricResultLine } from './results.js';
export { FileStatsCache, fileListFingerprint, realStatsKeyForFiles } from './file-stats-cache.js';
export { saveNsfwjsInception, loadNsfwjsInceptionFromDir } from './nsfwjs-convert.js';
export { loadFaceApiRecognition } from './face-api-recognition.js';
