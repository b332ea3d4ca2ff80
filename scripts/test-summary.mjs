// Sums the vitest JSON reports of every package into one closing line: "N passed, N failed, N skipped".
// Exits non-zero when a report is missing, a test failed, or no test ran at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reportDir = process.env.CRIA_TEST_REPORT_DIR ?? join(root, '.test-reports');
let passed = 0, failed = 0, skipped = 0;
const rows = [];
if (existsSync(reportDir)) {
  for (const file of readdirSync(reportDir).filter((f) => f.endsWith('.json')).sort()) {
    const r = JSON.parse(readFileSync(join(reportDir, file), 'utf8'));
    const p = r.numPassedTests ?? 0, f = (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0), s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    passed += p; failed += f; skipped += s;
    rows.push(`  ${file.replace(/\.json$/, '').padEnd(20)} ${p} passed, ${f} failed, ${s} skipped`);
  }
}
console.log(rows.join('\n'));
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || passed === 0) process.exit(1);
