export * from './dtype.js';
export * from './half.js';
export * from './errors.js';
export * from './tensor.js';
export * from './backend.js';
export * from './registry.js';
export * from './io/index.js';
export * from './safetensors/index.js';
