// Whether CUDA can start here, found out in a child process first: a broken driver may abort the process
// that loads the addon, and that must not be the user's process.
import { execFile } from 'node:child_process';
import { addonBuilt, addonPath, type NativeDeviceInfo } from './binding.js';

export interface ProbeResult {
  available: boolean;
  reason?: string;
  /** Device 0, when one was found. */
  device?: NativeDeviceInfo;
  driverVersion?: number;
  runtimeVersion?: number;
}

// Runs in the child (CommonJS, `node -e`): load the addon, count devices, start and stop a context on device 0.
const CHILD_SCRIPT = `
const addon = require(process.argv[1]);
const count = addon.deviceCount();
const out = { count: count.count, error: count.error, driverVersion: count.driverVersion, runtimeVersion: count.runtimeVersion };
if (count.count > 0) {
  out.device = addon.deviceInfo(0);
  const ctx = new addon.Context(0);
  const p = ctx.alloc(256);
  ctx.free(p);
  ctx.dispose();
}
process.stdout.write(JSON.stringify(out));
`;

const PROBE_TIMEOUT_MS = 60_000;

let cached: Promise<ProbeResult> | undefined;

/** Probes once per process; never throws. */
export function probeCuda(): Promise<ProbeResult> {
  cached ??= runProbe().catch((error: unknown) => ({ available: false, reason: `probing CUDA failed: ${(error as Error).message}` }));
  return cached;
}

function runProbe(): Promise<ProbeResult> {
  const path = addonPath();
  if (!addonBuilt()) {
    const why = process.env.CRIA_CUDA_ADDON
      ? '(CRIA_CUDA_ADDON names it: point it at a built cria_cuda.node)'
      : '(it was installed where no CUDA toolkit was found; set CUDA_HOME or put nvcc on PATH, then ' +
        '`npm rebuild @cria/kernels-cuda` (in the cria repository: `pnpm --filter @cria/kernels-cuda build`))';
    return Promise.resolve({ available: false, reason: `CUDA addon not built: ${path} is missing ${why}` });
  }
  return new Promise((resolvePromise) => {
    // The child needs no cuBLASLt (a large library to load): only whether a context starts.
    const env = { ...process.env, CRIA_CUDA_NO_CUBLASLT: '1' };
    execFile(process.execPath, ['-e', CHILD_SCRIPT, path], { timeout: PROBE_TIMEOUT_MS, encoding: 'utf8', env }, (error, stdout, stderr) => {
      if (error) {
        const how = error.signal ? `was killed by ${error.signal}` : `exited with code ${String(error.code)}`;
        const detail = (stderr || error.message).trim().split('\n').filter(Boolean).slice(-3).join(' | ');
        resolvePromise({ available: false, reason: `CUDA addon probe failed: the child process ${how}: ${detail}` });
        return;
      }
      let parsed: { count: number; error?: string; driverVersion: number; runtimeVersion: number; device?: NativeDeviceInfo };
      try {
        parsed = JSON.parse(stdout) as typeof parsed;
      } catch {
        resolvePromise({ available: false, reason: `CUDA addon probe printed no result: ${stdout.slice(0, 200)}` });
        return;
      }
      const versions = { driverVersion: parsed.driverVersion, runtimeVersion: parsed.runtimeVersion };
      if (parsed.count > 0 && parsed.device) {
        resolvePromise({ available: true, device: parsed.device, ...versions });
      } else {
        resolvePromise({ available: false, reason: `no CUDA device: ${parsed.error ?? 'cudaGetDeviceCount found 0 devices'}`, ...versions });
      }
    });
  });
}
