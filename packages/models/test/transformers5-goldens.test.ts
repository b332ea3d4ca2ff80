// Checkpoints that the real transformers 5 built and saved in its own config layout (`rope_parameters`
// with rope_theta inside, `dtype`), one per rope type and option set, against what transformers 5
// computes from them (test/transformers5/generate.py): hidden states, logits and loss to 1e-4, the
// left-padded batch, greedy ids exactly. The dynamic and longrope cases run past the context length
// their scaling switches at, in the batch and in the greedy run.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LlamaConfig } from '@cria/config';
import { describe, expect, it } from 'vitest';
import { describeCausalLmGoldens } from '../src/testing.js';

const F32_TOLERANCE = 1e-4;
const root = join(import.meta.dirname, 'transformers5');
const folders = new Map(
  readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => [`transformers5/${e.name}`, join(root, e.name)] as const)
    .sort(([a], [b]) => a.localeCompare(b)),
);

describeCausalLmGoldens('cpu', F32_TOLERANCE, folders);

describe('the transformers 5 checkpoints', () => {
  it('cover every rope type and the optional fields the issue names', () => {
    expect([...folders.keys()].map((k) => k.slice('transformers5/'.length))).toEqual([
      'default-theta1e6', 'dynamic', 'linear', 'llama3', 'longrope', 'longrope-factor', 'yarn', 'yarn-mscale', 'yarn-no-original-max', 'yarn-options',
    ]);
  });

  it.each([...folders])('%s: config.json is in the new layout and reads as transformers 5 standardised it', async (_name, dir) => {
    const raw = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(raw).toHaveProperty('rope_parameters');
    expect(raw).toHaveProperty('dtype', 'float32');
    expect(raw).not.toHaveProperty('rope_theta');
    expect(raw).not.toHaveProperty('rope_scaling');
    expect(raw).not.toHaveProperty('torch_dtype');
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { rope_parameters: Record<string, unknown> };
    const config = await LlamaConfig.from_pretrained(dir);
    expect(config.rope_parameters).toEqual(expected.rope_parameters);
    expect(config.dtype).toBe('float32');
  });
});
