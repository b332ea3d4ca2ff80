// run.sh refuses bad arguments and a missing kit before it touches anything (exit 2, with the reason).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '..', 'run.sh');
const emptyKit = mkdtempSync(join(tmpdir(), 'device-kit-empty-'));
afterAll(() => rmSync(emptyKit, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...process.env, CRIA_KIT: emptyKit, OUT: join(emptyKit, 'out') } });
  return { status: result.status, stderr: result.stderr };
}

describe('run.sh arguments', () => {
  it('names an unknown section', () => {
    expect(run(['cuda', 'gpu'])).toMatchObject({ status: 2, stderr: expect.stringContaining("unknown section or flag 'gpu'") });
  });

  it('wants at least one section and a whole number of seconds for --budget', () => {
    expect(run([]).stderr).toContain('name at least one section');
    expect(run(['--budget', '9m', 'cuda'])).toMatchObject({ status: 2, stderr: expect.stringContaining("--budget must be whole seconds, got '9m'") });
  });

  it('says to run prepare.sh when the kit is missing', () => {
    expect(run(['webgpu'])).toMatchObject({ status: 2, stderr: expect.stringContaining(`${emptyKit}/node.xz missing: run scripts/device-kit/prepare.sh`) });
  });
});
