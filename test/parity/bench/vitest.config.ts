// The checks under bench/ (not in the test command): `pnpm exec vitest run --config bench/vitest.config.ts <name>`.
import { defineConfig } from 'vitest/config';
import { criaVitestConfig } from '../../../vitest.shared.mjs';

const base = criaVitestConfig(`${import.meta.dirname}/..`);
export default defineConfig({ ...base, test: { ...base.test, include: ['bench/**/*.test.ts'] } });
