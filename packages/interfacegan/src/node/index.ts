// Node-only helpers of @semstyle/interfacegan (file system, PNG). Browser bundles never import this entry point.
export { saveSamples, loadSamples, writeSampleDir, rescoreSampleDir, LATENTS_FILE, SCORES_FILE, SAMPLING_FILE, type WriteSampleDirOptions, type RescoreOptions } from './samples-dir.js';
export { saveDirection, loadDirection, sidecarPath } from './direction-file.js';
export { editCommand, parseStrengths, type EditCommandOptions, type EditCommandResult } from './edit-command.js';
export { encodeRgbPng, encodeGreyPng, decodePng } from './png.js';
export { comparisonGrid, writeComparisonGrid, type ComparisonGridOptions } from './strip.js';
