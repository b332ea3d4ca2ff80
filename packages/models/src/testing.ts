// @cria/models/testing: golden-comparison helpers for vitest suites of the models on any backend (this
// package's tests, the web app's webgpu tests). Node only; needs vitest. Not part of the runtime surface.
export { type ExpectedJson, type GoldenTensor, argmaxOf, maskedRows, positionRows, readExpectedJson, readExpectedTensors } from './testing/goldens.js';
export { expectClose } from './testing/expect-close.js';
export { CAUSAL_LM_FIXTURES, describeCausalLmGoldens } from './testing/causal-lm-goldens.js';
