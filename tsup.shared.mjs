// Shared tsup settings: ESM + .d.ts, built against the dist/ of workspace dependencies
// (the @cria/source condition is for tests and typechecking only).
import { defineConfig } from 'tsup';

export function criaTsupConfig(entry) {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: { compilerOptions: { customConditions: [] } },
    sourcemap: true,
    clean: true,
    target: 'es2022',
  });
}
