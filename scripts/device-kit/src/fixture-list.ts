// Which fixture folders the end-to-end run covers: every causal-LM checkpoint under models/ (by its
// config.json "architectures") and every meta/*/expected-hf conversion. A folder with goldens
// (expected.json + expected.safetensors) gets the golden checks; models/llama2c-260k, which has run.c's
// logits under reference/ instead, gets the run.c check.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export type FixtureKind = 'goldens' | 'runc';

export interface CausalLmFixture {
  /** Path parts under the fixtures folder, e.g. ['meta', 'llama2c-260k', 'expected-hf']. */
  parts: string[];
  kind: FixtureKind;
}

const RUNC_LOGITS = join('reference', 'runc_logits_256x512.f32');

function architecturesOf(configPath: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (error) {
    throw new Error(`${configPath}: not readable JSON (${(error as Error).message})`);
  }
  const architectures = (parsed as { architectures?: unknown }).architectures;
  if (!Array.isArray(architectures) || !architectures.every((a) => typeof a === 'string')) {
    throw new Error(`${configPath}: field "architectures" must be an array of strings`);
  }
  return architectures;
}

function kindOf(dir: string): FixtureKind | undefined {
  if (existsSync(join(dir, 'expected.json')) && existsSync(join(dir, 'expected.safetensors'))) return 'goldens';
  if (existsSync(join(dir, RUNC_LOGITS))) return 'runc';
  return undefined;
}

function subfolders(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`fixtures folder ${dir} is missing (set CRIA_FIXTURES to the shared fixtures folder)`);
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** Every causal-LM fixture under `root` (the fixtures folder), in a stable order. */
export function findCausalLmFixtures(root: string): CausalLmFixture[] {
  const found: CausalLmFixture[] = [];
  const candidates = [
    ...subfolders(join(root, 'models')).map((name) => ['models', name]),
    ...subfolders(join(root, 'meta')).map((name) => ['meta', name, 'expected-hf']),
  ];
  for (const parts of candidates) {
    const dir = join(root, ...parts);
    const config = join(dir, 'config.json');
    if (!existsSync(config) || !architecturesOf(config).includes('LlamaForCausalLM')) continue;
    const kind = kindOf(dir);
    if (!kind) throw new Error(`${dir}: a causal-LM fixture without expected.json/expected.safetensors or ${RUNC_LOGITS}`);
    found.push({ parts, kind });
  }
  if (found.length === 0) throw new Error(`no causal-LM fixtures under ${root}`);
  return found;
}
