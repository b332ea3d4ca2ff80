// readGguf against seeded random corruptions of a small valid file: bit flips, truncations, length and count fields set
// to huge values, type fields set to random ids, bytes overwritten, deleted or repeated. Every failure must be a
// FileFormatError naming the file (never a RangeError or TypeError), every success must describe tensors that lie
// inside the file, and the whole run must end in seconds. A failing case prints its seed and index to reproduce it;
// GGUF_FUZZ_CASES and GGUF_FUZZ_SEED run more cases or other seeds.
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../errors.js';
import { bytesSource } from '../io/byte-source.js';
import { SeededRandom, seedOf } from '../testing.js';
import { type GgufFile, readGguf } from './reader.js';
import { ggufBytes } from './test-builder.js';
import { gguf } from './values.js';

const NAME = 'fuzz.gguf';
const CASES = Number(process.env.GGUF_FUZZ_CASES ?? 4000);

const base = ggufBytes({
  alignment: 64,
  metadata: [
    ['general.architecture', gguf.string('llama')],
    ['general.alignment', gguf.uint32(64)],
    ['general.parameter_count', gguf.uint64(123456789n)],
    ['llama.context_length', gguf.uint32(2048)],
    ['llama.rope.freq_base', gguf.float32(10000)],
    ['llama.attention.layer_norm_rms_epsilon', gguf.float64(1e-5)],
    ['tokenizer.ggml.add_bos_token', gguf.bool(true)],
    ['tokenizer.ggml.tokens', gguf.array('string', ['<unk>', '<s>', '</s>', '▁a', '▁b', 'ab', '🦙'])],
    ['tokenizer.ggml.scores', gguf.array('float32', new Float32Array([0, 0, 0, -1, -2, -3, -4]))],
    ['tokenizer.ggml.token_type', gguf.array('int32', new Int32Array([2, 3, 3, 1, 1, 1, 1]))],
    ['t.flags', gguf.array('bool', [true, false])],
    ['t.ids', gguf.array('uint64', new BigUint64Array([1n, 2n ** 63n]))],
  ],
  tensors: [
    { name: 'token_embd.weight', type: 'F16', ne: [8, 7] },
    { name: 'blk.0.attn_q.weight', type: 'Q4_K', ne: [256, 2] },
    { name: 'blk.0.ffn_down.weight', type: 'Q8_0', ne: [32, 3] },
    { name: 'output_norm.weight', type: 'F32', ne: [8] },
  ],
});

/** A header of about 100 KiB, so reads cross the first 64 KiB chunk and refill. */
const large = ggufBytes({
  metadata: [
    ['general.architecture', gguf.string('llama')],
    ['tokenizer.ggml.tokens', gguf.array('string', Array.from({ length: 2500 }, (_, i) => `▁token_${i}_${'x'.repeat(i % 30)}`))],
    ['tokenizer.ggml.scores', gguf.array('float32', new Float32Array(2500))],
    ['tokenizer.ggml.merges', gguf.array('string', Array.from({ length: 800 }, (_, i) => `▁t ok_${i}`))],
  ],
  tensors: [{ name: 'token_embd.weight', type: 'F32', ne: [4, 2] }, { name: 'output.weight', type: 'Q8_0', ne: [32, 2] }],
});

const HUGE = [2n ** 64n - 1n, 2n ** 63n, 2n ** 62n + 1n, 2n ** 53n + 1n, 2n ** 53n - 1n, 2n ** 40n, 2n ** 32n + 7n, 2n ** 32n - 1n, 2n ** 31n];

function mutate(random: SeededRandom, built: typeof base): { bytes: Uint8Array; how: string } {
  const source = built.bytes;
  let bytes = source.slice();
  const view = () => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = random.int(0, 8);
  switch (kind) {
    case 0: {
      const flips = random.int(1, 5);
      for (let k = 0; k < flips; k++) {
        const at = random.int(0, bytes.byteLength);
        bytes[at]! ^= 1 << random.int(0, 8);
      }
      return { bytes, how: `${flips} bit flips` };
    }
    case 1: {
      const n = random.int(0, bytes.byteLength);
      return { bytes: bytes.subarray(0, n), how: `truncated to ${n}` };
    }
    case 2:
    case 3: {
      const at = built.u64At[random.int(0, built.u64At.length)]!;
      const pick = random.int(0, 4);
      const size = BigInt(bytes.byteLength);
      const v = pick === 0 ? HUGE[random.int(0, HUGE.length)]! : pick === 1 ? size + BigInt(random.int(-64, 64)) : pick === 2 ? BigInt(random.int(0, 300)) : BigInt(random.uint32()) * BigInt(random.uint32());
      const value = v < 0n ? 0n : v & (2n ** 64n - 1n);
      view().setBigUint64(at, value, true);
      if (kind === 3) bytes = bytes.subarray(0, random.int(at, bytes.byteLength));
      return { bytes, how: `u64 at ${at} = ${value}${kind === 3 ? `, truncated to ${bytes.byteLength}` : ''}` };
    }
    case 4: {
      const at = built.u32At[random.int(0, built.u32At.length)]!;
      const pick = random.int(0, 3);
      const value = pick === 0 ? random.int(0, 40) : pick === 1 ? 0xffffffff - random.int(0, 4) : random.uint32();
      view().setUint32(at, value, true);
      return { bytes, how: `u32 at ${at} = ${value}` };
    }
    case 5: {
      const at = random.int(0, bytes.byteLength);
      const n = random.int(1, 16);
      for (let k = at; k < Math.min(bytes.byteLength, at + n); k++) bytes[k] = random.int(0, 256);
      return { bytes, how: `${n} random bytes at ${at}` };
    }
    case 6: {
      const at = random.int(0, bytes.byteLength);
      const n = random.int(1, 24);
      const out = new Uint8Array(bytes.byteLength - Math.min(n, bytes.byteLength - at));
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(at + n), at);
      return { bytes: out, how: `${n} bytes deleted at ${at}` };
    }
    default: {
      const at = random.int(0, bytes.byteLength);
      const n = random.int(1, 24);
      const piece = bytes.slice(at, at + n);
      const out = new Uint8Array(bytes.byteLength + piece.byteLength);
      out.set(bytes.subarray(0, at));
      out.set(piece, at);
      out.set(bytes.subarray(at), at + piece.byteLength);
      return { bytes: out, how: `${piece.byteLength} bytes repeated at ${at}` };
    }
  }
}

/** What a successful read must hold whatever the bytes. */
function checkRead(file: GgufFile, size: number): void {
  expect(file.fileSize).toBe(size);
  expect(file.alignment & (file.alignment - 1)).toBe(0);
  expect(file.dataOffset % file.alignment).toBe(0);
  const names = new Set<string>();
  let covered = 0;
  for (const t of file.tensors) {
    expect(names.has(t.name)).toBe(false);
    names.add(t.name);
    expect(t.shape.length).toBeGreaterThanOrEqual(1);
    expect(t.shape.length).toBeLessThanOrEqual(4);
    expect(t.shape.every((d) => Number.isSafeInteger(d) && d >= 1)).toBe(true);
    expect((t.offset - file.dataOffset) % file.alignment).toBe(0);
    expect(t.offset).toBeGreaterThanOrEqual(file.dataOffset);
    expect(t.offset + t.byteLength).toBeLessThanOrEqual(size);
    covered += t.byteLength;
  }
  expect(covered).toBeLessThanOrEqual(size - file.dataOffset);
}

describe('readGguf fuzz', () => {
  it('reads the unmutated base file', async () => {
    const file = await readGguf(bytesSource(base.bytes, NAME));
    expect(file.metadata.size).toBe(12);
    expect(file.tensors.map((t) => t.name)).toEqual(['token_embd.weight', 'blk.0.attn_q.weight', 'blk.0.ffn_down.weight', 'output_norm.weight']);
    checkRead(file, base.bytes.byteLength);
    checkRead(await readGguf(bytesSource(large.bytes, NAME)), large.bytes.byteLength);
  });

  it.each([
    ['a small file', base, CASES],
    ['a file whose header spans chunks', large, Math.ceil(CASES / 4)],
  ] as const)('%s, seeded mutations: each read succeeds with a sound result or fails with a FileFormatError naming the file', async (what, built, cases) => {
    expect(built.dataOffset).toBeGreaterThan(what === 'a small file' ? 0 : 64 * 1024);
    const seed = seedOf(`${process.env.GGUF_FUZZ_SEED ?? 'readGguf fuzz'} ${what}`);
    const random = new SeededRandom(seed);
    const started = Date.now();
    let failed = 0;
    const faults = new Set<string>();
    for (let i = 0; i < cases; i++) {
      const { bytes, how } = mutate(random, built);
      const where = `case ${i} of ${what} (seed ${seed}): ${how}`;
      let file: GgufFile | undefined;
      try {
        file = await readGguf(bytesSource(bytes, NAME));
      } catch (error) {
        if (!(error instanceof FileFormatError)) throw new Error(`${where}: threw ${String(error)}`, { cause: error });
        expect(error.file, where).toBe(NAME);
        expect(error.message.startsWith(`${NAME}: `), where).toBe(true);
        expect(error.message.length, where).toBeLessThan(600);
        failed++;
        faults.add(error.fault.replace(/[\d]+/g, 'N').replace(/'[^']*'/g, 'S').slice(0, 40));
        continue;
      }
      checkRead(file, bytes.byteLength);
    }
    // the mutations reach many checks, and leave some files readable
    expect(failed).toBeGreaterThan(cases / 5);
    expect(failed).toBeLessThan(cases);
    expect(faults.size).toBeGreaterThan(10);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);
});
