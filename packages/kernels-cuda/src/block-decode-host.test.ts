// The CUDA kernels' block decoding (native/block_decode.cuh, __host__ __device__) compiled for the host and checked
// bit for bit against core's dequantize (llama.cpp's values), so the decoding the GPU runs is tested without a GPU.
// Needs a C++ compiler and a CUDA toolkit's headers (block_weights.h includes cuda_runtime.h); without them it says so
// and checks nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUANT_DTYPES, dequantize, quantBlock, quantize } from '@cria/core';
import { afterAll, describe, expect, it } from 'vitest';
import { randomFloats } from '../test/block-weight-cases.js';
import { BLOCK_FORMAT_CODE } from './binding.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function toolchain(): { cxx: string; cudaInclude: string } | string {
  const cudaHome = process.env.CUDA_HOME ?? process.env.CUDA_PATH ?? '/usr/local/cuda';
  const cudaInclude = join(cudaHome, 'include');
  if (!existsSync(join(cudaInclude, 'cuda_runtime.h'))) return `no CUDA headers at ${cudaInclude}`;
  for (const cxx of [process.env.CXX, 'c++', 'g++'].filter((c): c is string => !!c)) {
    try {
      execFileSync(cxx, ['--version'], { stdio: 'ignore' });
      return { cxx, cudaInclude };
    } catch {
      // try the next
    }
  }
  return 'no host C++ compiler (c++, g++ or $CXX)';
}

const found = toolchain();
const dir = mkdtempSync(join(tmpdir(), 'cria-block-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(typeof found === 'string')(`block_decode.cuh on the host${typeof found === 'string' ? ` (skipped: ${found})` : ''}`, () => {
  it('decodes every format bit for bit as core dequantize does', () => {
    if (typeof found === 'string') return;
    const exe = join(dir, 'decode');
    execFileSync(found.cxx, ['-std=c++17', '-O2', '-I', join(packageDir, 'native'), '-I', found.cudaInclude, join(packageDir, 'test', 'block-decode-host.cc'), '-o', exe], { stdio: 'pipe' });
    for (const format of QUANT_DTYPES) {
      const rows = 5;
      const cols = quantBlock(format).blockElements === 256 ? 512 : 96;
      // Wide-ranging values (and a zero row) so scales, mins and the fifth/sixth bits all vary.
      const values = randomFloats(rows * cols, 77 + cols, 3);
      values.fill(0, 0, cols);
      const bytes = quantize(format, values, rows, cols);
      const header = Buffer.from(`${BLOCK_FORMAT_CODE[format]} ${rows} ${cols}\n`);
      const out = execFileSync(exe, { input: Buffer.concat([header, Buffer.from(bytes)]), maxBuffer: 1 << 24 });
      const got = new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4);
      const want = dequantize(format, bytes, rows, cols);
      expect(got.length, format).toBe(want.length);
      const mismatch = want.findIndex((v, i) => !Object.is(v, got[i]));
      expect(mismatch, `${format}: first mismatch at ${mismatch}: ${got[mismatch]} vs ${want[mismatch]}`).toBe(-1);
    }
  }, 60_000);
});
