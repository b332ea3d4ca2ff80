import { defaultClientConditions, defineConfig } from 'vite';

// Workspace packages resolve to their TypeScript sources (the "@cria/source" export condition), so the
// page builds without building them first.
export default defineConfig({
  resolve: { conditions: ['@cria/source', ...defaultClientConditions] },
  build: { target: 'es2022', outDir: 'dist', sourcemap: true },
});
