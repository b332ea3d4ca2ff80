import type { ViteUserConfig } from 'vitest/config';

/** Shared vitest settings for a package at `packageDir` (see vitest.shared.mjs). */
export function criaVitestConfig(packageDir: string, overrides?: Record<string, unknown>): ViteUserConfig;
