#!/usr/bin/env node
// Builds the WebAssembly kernels from native/wasm.cc (the kernels of native/kernels.inc) with clang and wasm-ld:
//   dist-wasm/cria_cpu.wasm         wasm32 + SIMD128 + threads (atomics, bulk memory, an imported shared memory)
//   dist-wasm/cria_cpu_single.wasm  the same without atomics, for one thread over a plain memory (no SharedArrayBuffer)
// Both import `env.memory` (2 MiB at first: the caller's 1 MiB stack, then data; up to 4 GiB), export one function
// per kernel plus __stack_pointer and __heap_base, and use no libc. $CLANG and $WASM_LD override the tools.
// Exits non-zero, naming what is missing, when they are absent.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(packageDir, 'dist-wasm');
const say = (line) => console.log(`@cria/kernels-cpu: ${line}`);
const fail = (line) => {
  console.error(`@cria/kernels-cpu: ${line}`);
  process.exit(1);
};

function onPath(names) {
  for (const name of names) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

const clang = process.env.CLANG ?? onPath(['clang', 'clang-14', 'clang-15', 'clang-16', 'clang-17', 'clang-18']);
const wasmLd = process.env.WASM_LD ?? onPath(['wasm-ld', 'wasm-ld-14', 'wasm-ld-15', 'wasm-ld-16', 'wasm-ld-17', 'wasm-ld-18']);
const missing = [
  clang ? null : 'clang (a clang with the WebAssembly target: Debian/Ubuntu `apt-get install clang`, or set $CLANG)',
  wasmLd ? null : 'wasm-ld (the LLVM linker for WebAssembly: Debian/Ubuntu `apt-get install lld`, or set $WASM_LD)',
].filter(Boolean);
if (missing.length > 0) fail(`cannot build the WebAssembly kernels, missing: ${missing.join('; ')}`);

const compileFlags = [
  '--target=wasm32', '-msimd128', '-mbulk-memory', '-mmutable-globals', '-ffreestanding', '-nostdlib',
  '-std=c++17', '-O3', '-fno-exceptions', '-fno-rtti', '-ffp-contract=off', '-fno-math-errno', '-Wall',
];
const linkFlags = [
  '--no-entry', '--import-memory', '--initial-memory=2097152', '--max-memory=4294967296', '--stack-first', '-z', 'stack-size=1048576',
  '--export=__stack_pointer', '--export=__heap_base', '-O3', '--strip-debug',
];
const variants = [
  { file: 'cria_cpu.wasm', compile: ['-matomics'], link: ['--shared-memory'] },
  { file: 'cria_cpu_single.wasm', compile: [], link: [] },
];

function run(tool, args) {
  const result = spawnSync(tool, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) fail(`${tool} did not start: ${result.error.message}`);
  if (result.status !== 0) fail(`${tool} failed (exit ${result.status}): ${tool} ${args.join(' ')}`);
}

mkdirSync(outDir, { recursive: true });
const source = join(packageDir, 'native', 'wasm.cc');
for (const variant of variants) {
  // Built beside the target and renamed into place, so a concurrent reader never sees half a file.
  const temp = join(outDir, `.${variant.file}.${process.pid}`);
  const object = `${temp}.o`;
  try {
    run(clang, [...compileFlags, ...variant.compile, '-c', source, '-o', object]);
    run(wasmLd, [...linkFlags, ...variant.link, object, '-o', temp]);
    renameSync(temp, join(outDir, variant.file));
  } finally {
    rmSync(object, { force: true });
    rmSync(temp, { force: true });
  }
  say(`built ${join(outDir, variant.file)} (${statSync(join(outDir, variant.file)).size} bytes)`);
}
