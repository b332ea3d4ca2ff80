import { defaultClientConditions, defineConfig } from 'vite';

// Workspace packages resolve to their TypeScript sources (the "@cria/source" export condition), so the
// page builds without building them first.
// Cross-origin isolation (COOP + COEP) gives the page SharedArrayBuffer, so the cpu backend's WebAssembly build runs
// on several threads; serve dist/ with the same two headers.
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  resolve: { conditions: ['@cria/source', ...defaultClientConditions] },
  build: { target: 'es2022', outDir: 'dist', sourcemap: true },
  server: { headers: ISOLATED },
  preview: { headers: ISOLATED },
});
