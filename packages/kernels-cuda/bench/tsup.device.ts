// Bundles bench/device.ts with every workspace dependency (from sources) into .device/device.mjs.
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { device: 'bench/device.ts' },
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
