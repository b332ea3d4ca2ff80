import { defineConfig } from 'vitest/config';
import { criaVitestConfig } from '../../vitest.shared.mjs';

export default defineConfig(criaVitestConfig(import.meta.dirname));
