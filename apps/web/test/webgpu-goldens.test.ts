// Every causal-LM fixture end to end with device 'webgpu' (Dawn in Node) against its goldens:
// hidden states, logits, the left-padded batch, loss, and greedy ids exactly.
import { registerBackend } from '@cria/core';
import { describeCausalLmGoldens } from '@cria/models/testing';
import { beforeAll } from 'vitest';

const TOLERANCE = 1e-4;

beforeAll(() => {
  registerBackend('webgpu', () => import('@cria/kernels-webgpu'));
});

describeCausalLmGoldens('webgpu', TOLERANCE);
