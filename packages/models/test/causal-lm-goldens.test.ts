// Every causal-LM fixture against its goldens on the CPU backend: hidden states, logits, padded batch, loss, greedy ids.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '@cria/core/testing';
import { expect, it } from 'vitest';
import { CAUSAL_LM_FIXTURES, describeCausalLmGoldens } from '../src/testing.js';

const F32_TOLERANCE = 1e-4;

describeCausalLmGoldens('cpu', F32_TOLERANCE);

it('every folder of the fixture list has goldens', () => {
  for (const parts of CAUSAL_LM_FIXTURES) expect(existsSync(join(fixture(...parts), 'expected.json'))).toBe(true);
});
