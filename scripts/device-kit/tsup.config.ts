// Bundles the GPU machine's programs, each with every workspace dependency taken from sources (the
// @cria/source condition), into one file: test/parity's bench/cuda-device.ts (op-conformance, device
// checks, kernel perf), src/e2e.ts (the fixtures end to end) and src/summary.ts (the closing table).
// Run from the repository root: pnpm exec tsup --config scripts/device-kit/tsup.config.ts
// Output: .device/kit/bundles/ (prepare.sh moves them into the kit's app folder).
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    device: 'test/parity/bench/cuda-device.ts',
    e2e: 'scripts/device-kit/src/e2e.ts',
    summary: 'scripts/device-kit/src/summary.ts',
  },
  outDir: '.device/kit/bundles',
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  noExternal: [/.*/],
  // Never bundled: Dawn's native addon is loaded at run time from the app's node_modules.
  external: ['webgpu'],
  dts: false,
  clean: true,
  sourcemap: false,
  splitting: false,
  esbuildOptions(options) {
    options.conditions = ['@cria/source'];
  },
});
