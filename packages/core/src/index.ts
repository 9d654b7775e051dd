// Public entry point of @semstyle/core.
export * from './contract/index.js';
export { initBackend, type BackendName } from './backend.js';
