import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir } from '@cria/core/testing';
import { CAUSAL_LM_FIXTURES } from '@cria/models/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { findCausalLmFixtures } from './fixture-list.js';

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempFixtures(): string {
  const dir = mkdtempSync(join(tmpdir(), 'device-kit-fixtures-'));
  scratch.push(dir);
  mkdirSync(join(dir, 'models'));
  mkdirSync(join(dir, 'meta'));
  return dir;
}

describe('findCausalLmFixtures on the shared fixtures', () => {
  const found = findCausalLmFixtures(fixturesDir());
  const names = found.map((f) => f.parts.join('/'));

  it("covers every folder of the models package's golden suite with the golden checks", () => {
    for (const parts of CAUSAL_LM_FIXTURES) expect(found).toContainEqual({ parts: [...parts], kind: 'goldens' });
  });

  it('adds llama2c-260k with its run.c logits and leaves the other heads out', () => {
    expect(found).toContainEqual({ parts: ['models', 'llama2c-260k'], kind: 'runc' });
    for (const head of ['tiny-llama-seqcls', 'tiny-llama-tokcls', 'tiny-llama-qa']) expect(names).not.toContain(`models/${head}`);
    expect(found).toHaveLength(CAUSAL_LM_FIXTURES.length + 1);
  });
});

describe('findCausalLmFixtures errors', () => {
  it('names a missing fixtures folder', () => {
    expect(() => findCausalLmFixtures('/nonexistent/fixtures')).toThrow(/\/nonexistent\/fixtures\/models is missing/);
  });

  it('refuses a causal-LM folder that has nothing to compare with', () => {
    const root = tempFixtures();
    mkdirSync(join(root, 'models', 'bare'));
    writeFileSync(join(root, 'models', 'bare', 'config.json'), JSON.stringify({ architectures: ['LlamaForCausalLM'] }));
    expect(() => findCausalLmFixtures(root)).toThrow(/models\/bare: a causal-LM fixture without expected.json/);
  });

  it('names a config.json whose architectures field is not a list of strings', () => {
    const root = tempFixtures();
    cpSync(join(fixturesDir(), 'meta', 'llama2c-260k', 'expected-hf'), join(root, 'meta', 'x', 'expected-hf'), { recursive: true });
    writeFileSync(join(root, 'meta', 'x', 'expected-hf', 'config.json'), JSON.stringify({ architectures: 'LlamaForCausalLM' }));
    expect(() => findCausalLmFixtures(root)).toThrow(/config.json: field "architectures" must be an array of strings/);
  });
});
