import { BackendUnavailableError } from '@cria/core';
import { describe, expect, it } from 'vitest';
import { explainError } from './explain-error.js';

describe('explainError', () => {
  it('explains GPU memory limits with what to try', () => {
    const text = explainError(new Error('tensor [128256, 4096] float16 (1050673152 bytes) is larger than one WebGPU binding (134217728 bytes); only uploaded weights are split'));
    expect(text).toMatch(/does not fit in what this GPU lets the page use/);
    expect(text).toMatch(/smaller model/);
    expect(explainError(new Error('webgpu: Out of memory'))).toMatch(/does not fit/);
  });

  it('explains a browser without WebGPU', () => {
    const error = new BackendUnavailableError('webgpu', [{ name: 'webgpu', reason: 'navigator.gpu: no WebGPU adapter' }]);
    expect(explainError(error)).toMatch(/WebGPU is not available in this browser/);
  });

  it('passes other messages through', () => {
    expect(explainError(new Error('config.json: missing field hidden_size'))).toBe('config.json: missing field hidden_size');
    expect(explainError('plain')).toBe('plain');
  });
});
