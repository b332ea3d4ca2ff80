#!/usr/bin/env node
// Builds the CPU addon (build/Release/cria_cpu.node) with node-gyp. Runs as the package's `install` script and after
// tsup in `pnpm build`.
// - CRIA_CPU_SKIP_BUILD=1, an install in a source checkout, or no node-gyp / C++ compiler: prints one line saying why
//   and exits 0; the 'cpu' backend then runs on the WebAssembly build (and says why the addon is missing).
// - A compiler is found and the compile fails: exits non-zero (a real error).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDecision, chooseNodedir, findNodeGyp, findOnPath, runNodeGyp } from '@cria/native-build';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => console.log(`@cria/kernels-cpu: ${line}`);
const notBuilding = (reason) => {
  say(`not building the CPU addon (the WebAssembly build runs instead): ${reason}`);
  process.exit(0);
};

const decision = buildDecision({ packageDir, skipVariable: 'CRIA_CPU_SKIP_BUILD' });
if (!decision.build) notBuilding(decision.reason);
const compiler = process.env.CXX ?? findOnPath('c++', process.env.PATH) ?? findOnPath('g++', process.env.PATH) ?? findOnPath('clang++', process.env.PATH);
if (!compiler) notBuilding('no C++ compiler (c++, g++ or clang++ on PATH, or $CXX)');
const nodeGyp = findNodeGyp();
if (!nodeGyp.ok) notBuilding(nodeGyp.reason);
const headers = chooseNodedir();
if (!headers.ok) notBuilding(headers.reason);

say(`building the CPU addon with ${compiler}, node-gyp from ${nodeGyp.source}, Node headers: ${headers.nodedir ? `${headers.nodedir} (${headers.source})` : headers.note}`);
const status = runNodeGyp({ packageDir, nodeGyp, nodedir: headers.nodedir });
if (status !== 0) {
  console.error(`@cria/kernels-cpu: node-gyp failed building the CPU addon (exit ${status}); set CRIA_CPU_SKIP_BUILD=1 to install without it`);
  process.exit(1);
}
say(`built ${resolve(packageDir, 'build', 'Release', 'cria_cpu.node')}`);
