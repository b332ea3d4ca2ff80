// Which fixture folders the end-to-end run covers: every checkpoint under models/ and every
// meta/*/expected-hf conversion, with the checks its architecture (config.json "architectures") calls for.
// A causal LM with goldens (expected.json + expected.safetensors) gets the golden suite's checks;
// models/llama2c-260k, which has run.c's logits under reference/ instead, gets the run.c check; the
// classification and QA heads get the heads suite's checks. An architecture it does not know is an error,
// so a new fixture is never skipped without a word.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export type FixtureKind = 'goldens' | 'runc' | 'seqcls' | 'tokcls' | 'qa';

export interface ModelFixture {
  /** Path parts under the fixtures folder, e.g. ['meta', 'llama2c-260k', 'expected-hf']. */
  parts: string[];
  kind: FixtureKind;
}

const RUNC_LOGITS = join('reference', 'runc_logits_256x512.f32');
const HEAD_KINDS: Record<string, FixtureKind> = {
  LlamaForSequenceClassification: 'seqcls',
  LlamaForTokenClassification: 'tokcls',
  LlamaForQuestionAnswering: 'qa',
};

function architectureOf(configPath: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (error) {
    throw new Error(`${configPath}: not readable JSON (${(error as Error).message})`);
  }
  const architectures = (parsed as { architectures?: unknown }).architectures;
  if (!Array.isArray(architectures) || architectures.length !== 1 || typeof architectures[0] !== 'string') {
    throw new Error(`${configPath}: field "architectures" must be an array of one string`);
  }
  return architectures[0];
}

function kindOf(dir: string, architecture: string): FixtureKind {
  const goldens = existsSync(join(dir, 'expected.json')) && existsSync(join(dir, 'expected.safetensors'));
  if (architecture === 'LlamaForCausalLM') {
    if (goldens) return 'goldens';
    if (existsSync(join(dir, RUNC_LOGITS))) return 'runc';
    throw new Error(`${dir}: a causal-LM fixture without expected.json/expected.safetensors or ${RUNC_LOGITS}`);
  }
  const head = HEAD_KINDS[architecture];
  if (!head) throw new Error(`${dir}: architecture ${architecture} has no end-to-end checks (expected LlamaForCausalLM or ${Object.keys(HEAD_KINDS).join(', ')})`);
  if (!goldens) throw new Error(`${dir}: a ${architecture} fixture without expected.json/expected.safetensors`);
  return head;
}

function subfolders(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`fixtures folder ${dir} is missing (the repository's fixtures/, or set CRIA_FIXTURES)`);
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** Every model fixture under `root` (the fixtures folder) with config.json, in a stable order. */
export function findModelFixtures(root: string): ModelFixture[] {
  const found: ModelFixture[] = [];
  const candidates = [
    ...subfolders(join(root, 'models')).map((name) => ['models', name]),
    ...subfolders(join(root, 'meta')).map((name) => ['meta', name, 'expected-hf']),
  ];
  for (const parts of candidates) {
    const dir = join(root, ...parts);
    const config = join(dir, 'config.json');
    if (!existsSync(config)) continue;
    found.push({ parts, kind: kindOf(dir, architectureOf(config)) });
  }
  if (found.length === 0) throw new Error(`no model fixtures under ${root}`);
  return found;
}
