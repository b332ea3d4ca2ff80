// @cria/ops-conformance/naive: deliberately naive reference implementations, written from the op
// definitions in @cria/core's backend.ts (not from any kernel package), for tests that judge kernels.
export { NaiveBackend } from './naive/naive-backend.js';
export { naiveAttention, type NaiveAttentionArgs, type NaiveAttentionLayout } from './naive/attention.js';
export { naiveLinear } from './naive/linear.js';
export { bfloat16Value, roundToBfloat16, roundToFloat16 } from './naive/rounding.js';
