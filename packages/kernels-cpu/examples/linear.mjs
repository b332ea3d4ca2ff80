// Build first: pnpm exec turbo run build --filter=@cria/kernels-cpu...; then, at the repository root:
//   node packages/kernels-cpu/examples/linear.mjs
import { float32ArrayToBfloat16 } from '@cria/core';
import { createBackend } from '@cria/kernels-cpu';

const cpu = await createBackend({ threads: 2 }); // the addon where it is built, else WebAssembly
console.log('backend:', cpu.description);
const x = cpu.upload(new Float32Array([1, 2, 3]), [1, 3], 'float32');
// A bfloat16 weight [2, 3], stored as raw bits and widened inside the kernel.
const weight = cpu.upload(float32ArrayToBfloat16([1, 0, 0, 0.5, 0.5, 0.5]), [2, 3], 'bfloat16');
const y = cpu.linear(x, weight);
console.log('linear:', Array.from(await y.toArray())); // [1, 3]

const probs = cpu.softmax(y);
const { values, indices } = cpu.topk(probs, 1);
console.log('top-1:', Array.from(await indices.toArray()), Array.from(await values.toArray()));
for (const t of [x, weight, y, probs, values, indices]) t.dispose();
cpu.dispose();
