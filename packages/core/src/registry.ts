import type { Backend, BackendModule, BackendName, DeviceName } from './backend.js';
import { ArgumentError, BackendUnavailableError } from './errors.js';

type Loader = () => Promise<BackendModule>;

/** The order `device: 'auto'` tries. */
export const AUTO_ORDER: readonly BackendName[] = ['cuda', 'webgpu', 'cpu'];

// Kernel packages are imported only when asked for, so a user installs only the backends they use
// and a web bundle never pulls the CUDA addon. The specifiers are variables so bundlers do not
// follow them; in a browser, register the WebGPU backend explicitly (see README).
const PACKAGE_OF: Record<BackendName, string> = {
  cpu: '@cria/kernels-cpu',
  webgpu: '@cria/kernels-webgpu',
  cuda: '@cria/kernels-cuda',
};

const loaders = new Map<string, Loader>(
  (Object.keys(PACKAGE_OF) as BackendName[]).map((name) => {
    const specifier = PACKAGE_OF[name];
    return [name, () => import(/* @vite-ignore */ specifier) as Promise<BackendModule>];
  }),
);
const started = new Map<string, Promise<Backend>>();

/** Registers (or replaces) how a backend is loaded, e.g. `registerBackend('webgpu', () => import('@cria/kernels-webgpu'))`. */
export function registerBackend(name: BackendName, loader: Loader | BackendModule): void {
  loaders.set(name, typeof loader === 'function' ? loader : async () => loader);
  started.delete(name);
}

async function loadModule(name: BackendName): Promise<BackendModule> {
  const loader = loaders.get(name);
  if (!loader) throw new Error(`no loader registered`);
  try {
    return await loader();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error(`package ${PACKAGE_OF[name]} is not installed (npm install ${PACKAGE_OF[name]})`);
    }
    throw error;
  }
}

/** For each backend: whether it can start here and, when not, why. */
export async function availableBackends(): Promise<{ name: BackendName; available: boolean; reason?: string }[]> {
  return Promise.all(
    AUTO_ORDER.map(async (name) => {
      try {
        const probe = await (await loadModule(name)).probe();
        return probe.available ? { name, available: true } : { name, available: false, reason: probe.reason ?? 'unavailable' };
      } catch (error) {
        return { name, available: false, reason: (error as Error).message };
      }
    }),
  );
}

/**
 * The backend for `device`: 'auto' tries cuda, then webgpu, then cpu and returns the first that
 * starts; a named one must start. Failing, one error lists why each candidate failed.
 * A backend is started once per process and shared.
 */
export async function getBackend(device: DeviceName = 'auto'): Promise<Backend> {
  if (device !== 'auto' && !(device in PACKAGE_OF)) {
    throw new ArgumentError(`unknown device '${String(device)}': expected 'auto', 'cuda', 'webgpu' or 'cpu'`);
  }
  const candidates = device === 'auto' ? AUTO_ORDER : [device];
  const failures: { name: string; reason: string }[] = [];
  for (const name of candidates) {
    try {
      return await start(name);
    } catch (error) {
      failures.push({ name, reason: (error as Error).message });
    }
  }
  throw new BackendUnavailableError(device, failures);
}

function start(name: BackendName): Promise<Backend> {
  let backend = started.get(name);
  if (!backend) {
    backend = (async () => {
      const module = await loadModule(name);
      const probe = await module.probe();
      if (!probe.available) throw new Error(probe.reason ?? 'unavailable');
      return module.createBackend();
    })();
    backend.catch(() => started.delete(name));
    started.set(name, backend);
  }
  return backend;
}
