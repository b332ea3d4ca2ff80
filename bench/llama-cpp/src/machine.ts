// What the JSON says about the machine.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export function machineInfo(): Record<string, unknown> {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  let flags: string[] = [];
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? cpu;
    const all = /^flags\s*:\s*(.+)$/m.exec(info)?.[1]?.split(/\s+/) ?? [];
    flags = all.filter((f) => /^(avx|avx2|fma|f16c|avx512f|avx512bw|avx512_bf16|avx512_vnni|amx_tile|amx_bf16)$/.test(f));
  } catch {
    // not Linux: os.cpus() only
  }
  return {
    cpu,
    cpu_flags: flags,
    logical_cpus: os.availableParallelism(),
    memory_bytes: os.totalmem(),
    load_average: os.loadavg().map((x) => Number(x.toFixed(2))),
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
  };
}
