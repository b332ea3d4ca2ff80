// What runs on the GPU machine (bundled with its dependencies into one file by scripts/device-kit/tsup.config.ts or
// packages/kernels-cuda/bench/tsup.device.ts, so it needs only a node binary and the built addon; set CRIA_CUDA_ADDON
// to the addon's path). It lives in this test-only package because it judges the CUDA backend against the cpu backend
// and @cria/ops-conformance, which a kernel package does not import; the perf half is the CUDA package's own bench.
//   node device.mjs check   op-conformance vs the CPU backend + large-shape checks + graph replay
//   node device.mjs perf    copy bandwidth, matvec / GEMM rates, Llama decode and prefill tokens/s
import { createBackend as createCpuBackend } from '@cria/kernels-cpu';
import { formatResults, runConformance } from '@cria/ops-conformance';
import { type CudaBackend, createBackend, probe } from '@cria/kernels-cuda';
import { runPerf } from '../../../packages/kernels-cuda/bench/perf.js';
import { runDeviceChecks } from '../src/cuda/device-checks.js';

async function check(backend: CudaBackend): Promise<number> {
  const cpu = await createCpuBackend();
  const start = performance.now();
  const results = await runConformance(backend, cpu);
  console.log(formatResults('cuda', results));
  const failed = results.filter((r) => r.status !== 'pass').length;
  console.log(`conformance: ${results.length - failed}/${results.length} pass (${((performance.now() - start) / 1000).toFixed(1)} s)`);
  const checks = await runDeviceChecks(backend);
  let bad = 0;
  for (const c of checks) {
    const ok = c.error <= c.bound;
    if (!ok) bad++;
    console.log(`${ok ? 'PASS' : 'FAIL'} ${c.name}: ${c.error.toExponential(2)} (bound ${c.bound})`);
  }
  console.log(`device checks: ${checks.length - bad}/${checks.length} pass`);
  return failed + bad;
}

const mode = process.argv[2] ?? 'check';
const p = await probe();
if (!p.available) {
  console.log(`skipped: ${p.reason}`);
  process.exit(2);
}
const backend = await createBackend();
console.log(`device: ${backend.deviceInfo.name} (sm ${backend.deviceInfo.computeCapability}, ${backend.deviceInfo.multiProcessorCount} SMs)`);
console.log(`prefill GEMM engine: ${JSON.stringify(backend.context.gemmInfo())}`);
let failures = 0;
if (mode === 'check' || mode === 'all') failures += await check(backend);
if (mode === 'perf' || mode === 'all') await runPerf(backend, process.argv.slice(3));
await backend.synchronize();
backend.dispose();
process.exit(failures === 0 ? 0 : 1);
