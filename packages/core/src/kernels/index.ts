export { registerSemstyleKernels, stockKernel } from './register.js';
