import { defineConfig } from 'vitest/config';
// @ts-expect-error -- vitest.shared.mjs is plain JavaScript without type declarations
import { criaVitestConfig } from '../../vitest.shared.mjs';

export default defineConfig(criaVitestConfig(import.meta.dirname));
