import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir } from '@cria/core/testing';
import { CAUSAL_LM_FIXTURES } from '@cria/models/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { findModelFixtures } from './fixture-list.js';

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

describe('findModelFixtures on the shared fixtures', () => {
  const found = findModelFixtures(fixturesDir());

  it("covers every folder of the models package's causal-LM golden suite with the golden checks", () => {
    for (const parts of CAUSAL_LM_FIXTURES) expect(found).toContainEqual({ parts: [...parts], kind: 'goldens' });
  });

  it('adds llama2c-260k with its run.c logits and the three heads of the heads suite', () => {
    expect(found).toContainEqual({ parts: ['models', 'llama2c-260k'], kind: 'runc' });
    expect(found).toContainEqual({ parts: ['models', 'tiny-llama-seqcls'], kind: 'seqcls' });
    expect(found).toContainEqual({ parts: ['models', 'tiny-llama-tokcls'], kind: 'tokcls' });
    expect(found).toContainEqual({ parts: ['models', 'tiny-llama-qa'], kind: 'qa' });
    expect(found).toHaveLength(CAUSAL_LM_FIXTURES.length + 4);
  });
});

describe('findModelFixtures errors', () => {
  it('names a missing fixtures folder', () => {
    expect(() => findModelFixtures('/nonexistent/fixtures')).toThrow(/\/nonexistent\/fixtures\/models is missing/);
  });

  it('refuses a causal-LM folder that has nothing to compare with', () => {
    const root = tempFixtures();
    mkdirSync(join(root, 'models', 'bare'));
    writeFileSync(join(root, 'models', 'bare', 'config.json'), JSON.stringify({ architectures: ['LlamaForCausalLM'] }));
    expect(() => findModelFixtures(root)).toThrow(/models\/bare: a causal-LM fixture without expected.json/);
  });

  it('names a fixture whose architecture it has no checks for', () => {
    const root = tempFixtures();
    mkdirSync(join(root, 'models', 'mistral'));
    writeFileSync(join(root, 'models', 'mistral', 'config.json'), JSON.stringify({ architectures: ['MistralForCausalLM'] }));
    expect(() => findModelFixtures(root)).toThrow(/models\/mistral: architecture MistralForCausalLM has no end-to-end checks/);
  });

  it('names a config.json whose architectures field is not a list of one string', () => {
    const root = tempFixtures();
    cpSync(join(fixturesDir(), 'meta', 'llama2c-260k', 'expected-hf'), join(root, 'meta', 'x', 'expected-hf'), { recursive: true });
    writeFileSync(join(root, 'meta', 'x', 'expected-hf', 'config.json'), JSON.stringify({ architectures: 'LlamaForCausalLM' }));
    expect(() => findModelFixtures(root)).toThrow(/config.json: field "architectures" must be an array of one string/);
  });
});
