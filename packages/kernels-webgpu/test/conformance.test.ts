// The op-conformance table on 'webgpu' against the cpu backend, with f16 weights read both through
// shader-f16 (when the adapter has it) and unpacked from u32 pairs.
import { createBackend as createCpuBackend } from '@cria/kernels-cpu';
import { OP_CASES, formatResults, runConformance } from '@cria/ops-conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '@cria/core';
import { WebGpuBackend, probe } from '../src/index.js';

describe.each([
  { label: 'shader-f16 when available', useShaderF16: true },
  { label: 'f16 unpacked from u32 pairs', useShaderF16: false },
])('op conformance on webgpu ($label)', ({ useShaderF16 }) => {
  let gpu: WebGpuBackend;
  let cpu: Backend;

  beforeAll(async () => {
    const probed = await probe();
    if (!probed.available) throw new Error(`webgpu must be available for these tests: ${probed.reason}`);
    gpu = await WebGpuBackend.create({ useShaderF16 });
    cpu = await createCpuBackend();
  });
  afterAll(() => {
    gpu?.dispose();
    cpu?.dispose();
  });

  it('passes every case of the table within its bound, none unsupported', async () => {
    const results = await runConformance(gpu, cpu);
    console.log(`${gpu.description} (shader-f16 in use: ${gpu.shaderF16})\n${formatResults('webgpu', results)}`);
    expect(results).toHaveLength(OP_CASES.length);
    const bad = results.filter((r) => r.status !== 'pass').map((r) => `${r.case.name}: ${r.status} ${r.message ?? ''}`);
    expect(bad).toEqual([]);
  });
});
