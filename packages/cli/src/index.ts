// Programmatic access to the CLI's commands.
export { generateCommand, type GenerateCommandOptions, type GenerateCommandResult } from './commands/generate.js';
export { parseSeeds } from './seeds.js';
export { encodePng, writePng } from './png.js';
export { convertCommand, type ConvertCommandOptions, type ConvertCommandResult } from './commands/convert.js';
export { demoCommand, type DemoOptions, type DemoResult } from './commands/demo.js';
export { metricsCommand, type MetricsCommandOptions } from './commands/metrics.js';
export { evaluateFaceModel, type EvaluateFaceModelOptions, type FaceModelEvaluation, type RegionSwapLocality } from './commands/evaluate.js';
