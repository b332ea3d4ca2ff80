// Bundles bench/cuda-device.ts with every workspace dependency (from sources) into .device/device.js (run from test/parity:
// pnpm exec tsup --config bench/tsup.device.ts).
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { device: 'bench/cuda-device.ts' },
  outDir: '../../.device',
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  noExternal: [/.*/],
  dts: false,
  clean: false,
  sourcemap: false,
  splitting: false,
  esbuildOptions(options) {
    options.conditions = ['@cria/source'];
  },
});
