export * from './errors.js';
export * from './config.js';
export * from './latent-types.js';
export * from './generator-v1.js';
