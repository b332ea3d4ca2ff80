import type { Backend, BackendModule, BackendName, BackendOptions, DeviceName } from './backend.js';
import { ArgumentError, BackendUnavailableError } from './errors.js';

type Loader = () => Promise<BackendModule>;

/** The order `device: 'auto'` tries ('reference' only by name). */
export const AUTO_ORDER: readonly BackendName[] = ['cuda', 'webgpu', 'cpu'];

// Kernel packages are imported only when asked for, so a user installs only the backends they use
// and a web bundle never pulls the CUDA addon. The specifiers are variables so bundlers do not
// follow them; in a browser, register the WebGPU backend explicitly (see README).
const PACKAGE_OF: Record<BackendName, string> = {
  cpu: '@cria/kernels-cpu',
  webgpu: '@cria/kernels-webgpu',
  cuda: '@cria/kernels-cuda',
  reference: '@cria/kernels-cpu/reference',
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
  for (const key of started.keys()) if (key.startsWith(`${name}|`)) started.delete(key);
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

/**
 * For each backend `device: 'auto'` tries: whether it can start here and, when not, why. By default as 'auto' would
 * take it (a software WebGPU adapter is refused); `{ auto: false }` asks as a request by name would (it starts).
 */
export async function availableBackends(options: { auto?: boolean } = {}): Promise<{ name: BackendName; available: boolean; reason?: string }[]> {
  const auto = options.auto ?? true;
  return Promise.all(
    AUTO_ORDER.map(async (name) => {
      try {
        const probe = await (await loadModule(name)).probe({ auto });
        return probe.available ? { name, available: true } : { name, available: false, reason: probe.reason ?? 'unavailable' };
      } catch (error) {
        return { name, available: false, reason: (error as Error).message };
      }
    }),
  );
}

/** How `getBackend` starts a backend. */
export interface GetBackendOptions {
  /** Host threads of the 'cpu' backend (default: the physical cores); only 'cpu' and 'auto' take it. */
  threads?: number;
}

/**
 * The backend for `device`: 'auto' tries cuda, then webgpu (a hardware adapter only), then cpu and returns the first
 * that starts; a named one must start. Failing, one error lists why each candidate failed. A backend is started once
 * per process (and per thread count) and shared.
 */
export async function getBackend(device: DeviceName = 'auto', options: GetBackendOptions = {}): Promise<Backend> {
  if (device !== 'auto' && !Object.hasOwn(PACKAGE_OF, device)) {
    throw new ArgumentError(`unknown device '${String(device)}': expected 'auto', ${Object.keys(PACKAGE_OF).map((n) => `'${n}'`).join(', ')}`);
  }
  const threads = options.threads;
  if (threads !== undefined) {
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > 1024) throw new ArgumentError(`'threads' must be an integer in [1, 1024], got ${String(threads)}`);
    if (device !== 'auto' && device !== 'cpu') throw new ArgumentError(`'threads' sets the cpu backend's threads; device '${device}' has none to set`);
  }
  const candidates = device === 'auto' ? AUTO_ORDER : [device];
  const failures: { name: string; reason: string }[] = [];
  for (const name of candidates) {
    try {
      return await start(name, { ...(name === 'cpu' && threads !== undefined ? { threads } : {}), ...(device === 'auto' ? { auto: true } : {}) });
    } catch (error) {
      failures.push({ name, reason: (error as Error).message });
    }
  }
  throw new BackendUnavailableError(device, failures);
}

function start(name: BackendName, options: BackendOptions): Promise<Backend> {
  const key = `${name}|${options.threads ?? ''}|${options.auto ? 'auto' : ''}`;
  let backend = started.get(key);
  if (!backend) {
    backend = (async () => {
      const module = await loadModule(name);
      const probe = await module.probe(options);
      if (!probe.available) throw new Error(probe.reason ?? 'unavailable');
      return module.createBackend(options);
    })();
    backend.catch(() => started.delete(key));
    started.set(key, backend);
  }
  return backend;
}
