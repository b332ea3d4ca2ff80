import { defineConfig } from 'tsup';

// A script, not a library: no .d.ts. node-llama-cpp (a devDependency) stays an import, loaded by the llama.cpp worker only.
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'es2022',
  external: ['node-llama-cpp'],
});
