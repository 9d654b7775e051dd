// Test helpers for plugins: a tiny seeded generator implementing the contract, and tensor-leak checks.
export { createTestingGenerator, type TestingGeneratorOptions } from './tiny-generator.js';
export { leakedTensors, expectNoLeakedTensors } from './leaks.js';
export { expectCode, expectCodeAsync } from './expect-code.js';
