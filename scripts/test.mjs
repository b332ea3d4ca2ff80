// The test command: build every package, typecheck every package (sources and tests), run every package's tests (all of them, even after a
// failure), then print one closing line summed over the vitest JSON reports.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reportDir = process.env.CRIA_TEST_REPORT_DIR ?? join(root, '.test-reports');
rmSync(reportDir, { recursive: true, force: true });
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', CRIA_TEST_REPORT_DIR: reportDir };
const run = (args) => spawnSync('pnpm', ['exec', 'turbo', ...args], { cwd: root, stdio: 'inherit', env }).status ?? 1;

const built = run(['run', 'build', '--output-logs=errors-only']);
const typechecked = built === 0 ? run(['run', 'typecheck', '--output-logs=errors-only', '--continue']) : 1;
const tested = built === 0 ? run(['run', 'test', '--continue', '--concurrency=1', ...process.argv.slice(2)]) : 1;
const summary = spawnSync('node', [join(root, 'scripts/test-summary.mjs')], { stdio: 'inherit', env }).status ?? 1;
if (built !== 0) console.error('build failed');
if (typechecked !== 0) console.error('typecheck failed');
process.exit(built !== 0 || typechecked !== 0 || tested !== 0 || summary !== 0 ? 1 : 0);
