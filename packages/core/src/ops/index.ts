// The op contract: each op's dtype signatures, shape and scalar checks (returning the sizes its kernels need), the
// checks every op starts with, and the range-upload loop. Every backend uses these; it adds only its overrides.
export * from './spec.js';
export * from './signatures.js';
export * from './args.js';
export * from './row-checks.js';
export * from './linear-checks.js';
export * from './attention-checks.js';
export * from './contract.js';
export * from './upload-by-ranges.js';
