// Build first: pnpm --filter @cria/core build && pnpm --filter @cria/kernels-cpu build && pnpm --filter @cria/ops-conformance build
// then, at the repository root:  node packages/ops-conformance/examples/conformance.mjs [cpu|webgpu|cuda]
// (with no argument: every backend other than cpu that can start here).
import { availableBackends, getBackend } from '@cria/core';
import { createBackend } from '@cria/kernels-cpu';
import { formatResults, runConformance } from '@cria/ops-conformance';

const reference = await createBackend();
const asked = process.argv[2];
const names = asked ? [asked] : (await availableBackends()).filter((b) => b.name !== 'cpu' && b.available).map((b) => b.name);
if (names.length === 0) console.log('no backend other than cpu can start here; try: node conformance.mjs cpu');
for (const name of names) {
  const results = await runConformance(await getBackend(name), reference);
  console.log(formatResults(name, results));
  if (results.some((r) => r.status === 'fail')) process.exitCode = 1;
}
