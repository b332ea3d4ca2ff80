// How many threads the cpu backend uses by default: the physical cores (hyperthreads share one core's vector units
// and gain nothing on these kernels), else the logical processors the platform reports.

/** Physical cores on Linux (distinct physical id / core id pairs of /proc/cpuinfo), else the logical processors. */
export async function defaultThreads(): Promise<number> {
  if (typeof process !== 'undefined' && process.versions?.node) {
    const os = await import('node:os');
    if (process.platform === 'linux') {
      try {
        const { readFileSync } = await import('node:fs');
        const cores = physicalCores(readFileSync('/proc/cpuinfo', 'utf8'));
        if (cores > 0) return Math.min(cores, os.availableParallelism());
      } catch {
        // No /proc: fall through to the logical count.
      }
    }
    return os.availableParallelism();
  }
  return Math.max(1, globalThis.navigator?.hardwareConcurrency ?? 1);
}

/** Distinct (physical id, core id) pairs in a /proc/cpuinfo text; 0 when it names none. */
export function physicalCores(cpuinfo: string): number {
  const cores = new Set<string>();
  for (const block of cpuinfo.split(/\n\s*\n/)) {
    const socket = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (socket !== undefined && core !== undefined) cores.add(`${socket}:${core}`);
  }
  return cores.size;
}
