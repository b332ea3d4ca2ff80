// Benchmark (not a test): writes a ~1.1 GB bf16 checkpoint in 4 shards tensor by tensor (in reverse
// order), then opens it and loads every tensor one by one; prints write/load throughput, the bytes
// read against the file sizes, and peak RSS against the largest tensor.
//   pnpm --filter @cria/core build && node packages/core/test/bench/safetensors-load.mjs
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countingSource, createShardedSafetensorsWriter, nodeDirectory, openSafetensors } from '../../dist/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cria-safetensors-bench-'));
const dim = 2048, hidden = 5632, layers = 8, vocab = 32000;
const specs = [{ name: 'model.embed_tokens.weight', dtype: 'bfloat16', shape: [vocab, dim] }];
for (let l = 0; l < layers; l++) {
  for (const p of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) specs.push({ name: `model.layers.${l}.self_attn.${p}.weight`, dtype: 'bfloat16', shape: [dim, dim] });
  specs.push({ name: `model.layers.${l}.mlp.gate_proj.weight`, dtype: 'bfloat16', shape: [hidden, dim] });
  specs.push({ name: `model.layers.${l}.mlp.up_proj.weight`, dtype: 'bfloat16', shape: [hidden, dim] });
  specs.push({ name: `model.layers.${l}.mlp.down_proj.weight`, dtype: 'bfloat16', shape: [dim, hidden] });
  specs.push({ name: `model.layers.${l}.input_layernorm.weight`, dtype: 'bfloat16', shape: [dim] });
}
specs.push({ name: 'lm_head.weight', dtype: 'bfloat16', shape: [vocab, dim] });
const total = specs.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1) * 2, 0);
let t0 = performance.now();
const writer = await createShardedSafetensorsWriter(dir, specs, { maxShardSize: '300MB' });
for (const s of [...specs].reverse()) {
  const n = s.shape.reduce((a, b) => a * b, 1);
  const data = new Uint16Array(n);
  for (let i = 0; i < n; i += 997) data[i] = i & 0xffff;
  await writer.write(s.name, data);
}
await writer.close();
const writeMs = performance.now() - t0;
const onDisk = writer.files.reduce((s, f) => s + statSync(join(dir, f)).size, 0);
console.log(`wrote ${writer.files.length} shards, ${(onDisk / 1e6).toFixed(1)} MB in ${writeMs.toFixed(0)} ms (${(onDisk / 1e6 / (writeMs / 1000)).toFixed(0)} MB/s)`);

const inner = nodeDirectory(dir);
const counted = [];
const directory = { ...inner, name: inner.name, exists: inner.exists, readText: inner.readText, readJson: inner.readJson, async open(f) { const c = countingSource(await inner.open(f)); counted.push(c); return c; } };
const rssBefore = process.memoryUsage().rss;
t0 = performance.now();
const ckpt = await openSafetensors(directory);
const openMs = performance.now() - t0;
const headerBytes = counted.reduce((s, c) => s + c.bytesRead, 0);
t0 = performance.now();
let peakRss = 0;
for (const name of ckpt.keys()) {
  const t = await ckpt.get(name);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  t.dispose();
}
const loadMs = performance.now() - t0;
const read = counted.reduce((s, c) => s + c.bytesRead, 0);
await ckpt.close();
console.log(`open: ${openMs.toFixed(1)} ms, ${headerBytes} header bytes read`);
console.log(`load all ${ckpt.keys().length} tensors one by one: ${loadMs.toFixed(0)} ms (${(total / 1e6 / (loadMs / 1000)).toFixed(0)} MB/s); bytes read ${read} = data ${total} + headers ${headerBytes}: ${read === total + headerBytes}; file bytes ${onDisk}`);
console.log(`rss before load ${(rssBefore / 1e6).toFixed(0)} MB, peak during load ${(peakRss / 1e6).toFixed(0)} MB, largest tensor ${(vocab * dim * 2 / 1e6).toFixed(0)} MB; process maxRSS ${((process.resourceUsage().maxRSS * 1024) / 1e6).toFixed(0)} MB`);
rmSync(dir, { recursive: true, force: true });
