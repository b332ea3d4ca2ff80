// Shared vitest settings: every package's tests resolve workspace packages to their sources
// (the "@cria/source" export condition) and write a JSON report that scripts/test-summary.mjs
// sums into the closing "N passed, N failed" line.
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

export function criaVitestConfig(packageDir, overrides = {}) {
  const reportDir = process.env.CRIA_TEST_REPORT_DIR ?? join(root, '.test-reports');
  const name = basename(packageDir);
  return {
    resolve: { conditions: ['@cria/source'] },
    ssr: { resolve: { conditions: ['@cria/source'] } },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      reporters: ['default', 'json'],
      outputFile: { json: join(reportDir, `${name}.json`) },
      ...overrides,
    },
  };
}
