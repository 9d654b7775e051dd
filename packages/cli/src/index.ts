// Programmatic access to the CLI's commands.
export { generateCommand, type GenerateCommandOptions, type GenerateCommandResult } from './commands/generate.js';
export { parseSeeds } from './seeds.js';
export { encodePng, writePng } from './png.js';
