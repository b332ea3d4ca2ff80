// Every model fixture end to end on one device, with the checks of @cria/models' golden suites (causal LM,
// run.c logits, classification and QA heads); bundled by tsup.config.ts into one file for a GPU machine that
// has a node binary but no workspace.
//   node e2e.js --device cuda|webgpu|cpu [--fixtures DIR] [--only SUBSTRING] [--json FILE]
//   node e2e.js --list [--fixtures DIR]    the fixture folders it covers, one a line (prepare.sh packs these)
// Exit status: 0 all pass, 1 a check failed, 2 bad arguments or the device cannot start.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BackendName, getBackend, registerBackend } from '@cria/core';
import { fixturesDir } from '@cria/core/testing';
import * as cpu from '@cria/kernels-cpu';
import * as cuda from '@cria/kernels-cuda';
import * as webgpu from '@cria/kernels-webgpu';
import { LlamaForCausalLM } from '@cria/models';
import { type ModelFixture, findModelFixtures } from './fixture-list.js';
import { type CheckResult, checkCapturedDecode, checkGoldens, checkRuncLogits } from './golden-checks.js';
import { checkHeadGoldens } from './head-checks.js';

/** The golden suite's bound for float32 compute paths (f16/bf16 weights are widened to float32). */
const TOLERANCE = 1e-4;
const DEVICES: readonly BackendName[] = ['cuda', 'webgpu', 'cpu'];

// Bundled code cannot rely on the registry's import-by-name; register the modules this file carries.
registerBackend('cpu', cpu);
registerBackend('cuda', cuda);
registerBackend('webgpu', webgpu);

function usage(message: string): never {
  console.error(`e2e: ${message}\nusage: node e2e.js --device cuda|webgpu|cpu [--fixtures DIR] [--only SUBSTRING] [--json FILE] | --list [--fixtures DIR]`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({ options: { device: { type: 'string' }, fixtures: { type: 'string' }, only: { type: 'string' }, json: { type: 'string' }, list: { type: 'boolean' } } });
  } catch (error) {
    return usage((error as Error).message);
  }
})();
const root = values.fixtures ?? fixturesDir();
if (values.list) {
  for (const f of findModelFixtures(root)) console.log(f.parts.join('/'));
  process.exit(0);
}
function deviceOf(value: string | undefined): BackendName {
  const known = DEVICES.find((d) => d === value);
  return known ?? usage(`--device must be one of ${DEVICES.join(', ')}, got ${value ?? 'nothing'}`);
}
const device = deviceOf(values.device);

try {
  await getBackend(device);
} catch (error) {
  console.log(`e2e on ${device}: skipped: ${(error as Error).message}`);
  process.exit(2);
}

const fixtures = findModelFixtures(root).filter((f) => values.only === undefined || f.parts.join('/').includes(values.only));
if (fixtures.length === 0) usage(`no fixture under ${root} matches --only ${values.only}`);

async function checkFixture(dir: string, kind: ModelFixture['kind']): Promise<CheckResult[]> {
  if (kind === 'seqcls' || kind === 'tokcls' || kind === 'qa') return checkHeadGoldens(kind, dir, device, TOLERANCE);
  const model: LlamaForCausalLM = await LlamaForCausalLM.from_pretrained(dir, { device });
  try {
    if (model.device !== device) throw new Error(`model loaded on ${model.device}, asked for ${device}`);
    if (kind === 'goldens') return await checkGoldens(model, dir, TOLERANCE);
    return [...(await checkRuncLogits(model, dir, TOLERANCE)), ...(await checkCapturedDecode(model, dir, TOLERANCE))];
  } finally {
    model.dispose();
  }
}

const report: { fixture: string; seconds: number; results: CheckResult[] }[] = [];
for (const { parts, kind } of fixtures) {
  const name = parts.join('/');
  const start = performance.now();
  let results: CheckResult[];
  try {
    results = await checkFixture(join(root, ...parts), kind);
  } catch (error) {
    results = [{ check: 'load and run', pass: false, detail: (error as Error).stack ?? String(error) }];
  }
  const seconds = (performance.now() - start) / 1000;
  report.push({ fixture: name, seconds, results });
  for (const r of results) {
    const numbers = r.error === undefined ? '' : ` ${r.error.toExponential(2)} (bound ${r.bound})`;
    console.log(`${r.pass ? 'PASS' : 'FAIL'} ${name} ${r.check}${numbers}${r.detail && !r.pass ? `: ${r.detail}` : ''}`);
  }
}

const checks = report.flatMap((f) => f.results);
const failed = checks.filter((r) => !r.pass).length;
console.log(`e2e on ${device}: ${checks.length - failed}/${checks.length} checks pass over ${report.length} fixtures`);
if (values.json) writeFileSync(values.json, JSON.stringify({ device, tolerance: TOLERANCE, passed: checks.length - failed, total: checks.length, fixtures: report }, null, 2) + '\n');
process.exit(failed === 0 ? 0 : 1);
