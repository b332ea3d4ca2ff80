#!/usr/bin/env node
// Builds the CUDA addon (build/Release/cria_cuda.node) with node-gyp where a CUDA toolkit is found. Runs as
// the package's `install` script (npm / pnpm install of @cria/kernels-cuda) and after tsup in `pnpm build`.
// - No toolkit, no node-gyp, or CRIA_CUDA_SKIP_BUILD=1: prints one line saying why and exits 0; the 'cuda'
//   backend then reports "CUDA addon not built" at run time.
// - A toolkit is found and the compile fails: exits non-zero (a real error; CRIA_CUDA_SKIP_BUILD=1 skips).
// - Incremental: node-gyp configure + build recompiles only what changed (seconds when nothing did).
// The toolkit rules live in find-toolchain.mjs; node-gyp, headers, skipping and the lock in @cria/native-build.
// Usage: node scripts/build-addon.mjs
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDecision, chooseNodedir, findNodeGyp, runNodeGyp } from '@cria/native-build';
import { findCudaToolkit } from './find-toolchain.mjs';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => console.log(`@cria/kernels-cuda: ${line}`);
const notBuilding = (reason) => {
  say(`not building the CUDA addon: ${reason}`);
  process.exit(0);
};
const fail = (line) => {
  console.error(`@cria/kernels-cuda: ${line}`);
  console.error('@cria/kernels-cuda: set CRIA_CUDA_SKIP_BUILD=1 to install without the CUDA addon (the cuda backend then reports "CUDA addon not built")');
  process.exit(1);
};

const decision = buildDecision({ packageDir, skipVariable: 'CRIA_CUDA_SKIP_BUILD' });
if (!decision.build) notBuilding(decision.reason);
const toolkit = findCudaToolkit();
if (!toolkit.ok) notBuilding(toolkit.reason);
const nodeGyp = findNodeGyp();
if (!nodeGyp.ok) notBuilding(`a CUDA toolkit is at ${toolkit.home}, but ${nodeGyp.reason}`);
const headers = chooseNodedir();
if (!headers.ok) fail(`cannot build the CUDA addon: ${headers.reason}`);

const headersSaid = headers.nodedir ? `${headers.nodedir} (${headers.source})` : headers.note;
say(`building the CUDA addon with ${toolkit.home} (${toolkit.source}; libraries: ${toolkit.libDir}), node-gyp from ${nodeGyp.source}, Node headers: ${headersSaid}`);
const env = { ...process.env, CRIA_CUDA_HOME: toolkit.home, CRIA_CUDA_LIBDIR: toolkit.libDir, PATH: `${join(toolkit.home, 'bin')}:${process.env.PATH ?? ''}` };

let status;
try {
  status = runNodeGyp({ packageDir, nodeGyp, nodedir: headers.nodedir, env });
} catch (error) {
  fail(`building the CUDA addon failed: ${error.message}`);
}
// A toolkit is here, so a failure is a real compile error: fail loudly.
if (status !== 0) fail(`node-gyp failed building the CUDA addon (exit ${status}) with the toolkit at ${toolkit.home}`);
say(`built ${join(packageDir, 'build', 'Release', 'cria_cuda.node')}`);
