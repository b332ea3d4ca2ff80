export type { OpCase, OpParams } from './op-case.js';
export { OP_CASES, BOUND } from './cases.js';
export { buildInputs, INPUT_NAMES, type HostInput } from './inputs.js';
export { executeCase } from './execute.js';
export { relativeL2Error, mismatchFraction, outputError } from './compare.js';
export { runOpCase, runConformance, type OpCaseResult, type OpCaseStatus } from './runner.js';
export { formatResults } from './report.js';
export { SeededRandom, seedOf } from '@cria/core/testing';
