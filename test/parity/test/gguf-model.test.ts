// GGUF files as checkpoints, both ways: @cria/convert writes each causal-LM fixture as a GGUF file (llama.cpp's names,
// q/k rows interleaved, the config as llama.* metadata, llama3 RoPE factors as rope_freqs.weight) and
// from_pretrained(file.gguf) must give back the same model: the same config fields, and on the same backend the
// same logits bit for bit (the weights are the same numbers; only their names and q/k row order changed) and the same
// greedy ids. tiny-llama-rope-dynamic is left out: GGUF has no key for dynamic NTK scaling (llama.cpp's converter
// drops it too).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LlamaConfig, llama3RopeFactors } from '@cria/config';
import { gguf, writeGguf, writeLlamaGguf } from '@cria/convert';
import { fileSource, readGguf } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { LlamaForCausalLM, disposeOutput } from '@cria/models';
import { AutoTokenizer } from '@cria/tokenizer';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'cria-gguf-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: [name: string, dtype: 'float32' | 'float16' | 'bfloat16', tokenizer: string][] = [
  ['llama2c-260k', 'float32', 'models/llama2c-260k'],
  ['tiny-llama1-mha', 'float32', 'tokenizers/tok512'],
  ['tiny-llama2-gqa-f16-sharded', 'float16', 'tokenizers/tok512'],
  ['tiny-llama3-bf16-tied', 'bfloat16', 'tokenizers/llama3'],
  ['tiny-llama-rope-linear', 'float32', 'tokenizers/tok512'],
  ['tiny-llama-rope-yarn', 'float32', 'tokenizers/tok512'],
  ['tiny-llama-bias-headdim', 'float32', 'tokenizers/tok512'],
];

const PROMPT = [[1, 17, 300, 42, 7, 99, 256, 3]];

/** The fields of a config that shape the computation. */
function shapeOf(config: LlamaConfig): Record<string, unknown> {
  const { vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, rms_norm_eps, tie_word_embeddings, attention_bias, mlp_bias, max_position_embeddings } = config;
  return {
    vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, numKvHeads: config.numKvHeads, headDim: config.headDim,
    rms_norm_eps, tie_word_embeddings, attention_bias, mlp_bias, max_position_embeddings, rope: withoutLegacyType(config),
  };
}

/**
 * rope_parameters without `type` (the old name of rope_type a config.json may carry beside it). A llama3 rope is what
 * the file holds of it, its factors (with the rope type and base): with few frequencies (a head of 8 has 4) several
 * original_max_position_embeddings give the same factors, so the parameters themselves cannot come back.
 */
function withoutLegacyType(config: LlamaConfig): Record<string, unknown> {
  const { type: _legacy, ...rest } = config.rope_parameters;
  if (rest.rope_type !== 'llama3') return rest;
  return { rope_type: rest.rope_type, rope_theta: rest.rope_theta, factors: Array.from(llama3RopeFactors(config)!) };
}

describe.each(CASES)('%s as GGUF', (name, dtype, tokenizer) => {
  const file = join(dir, `${name}.gguf`);
  const written = writeLlamaGguf(fixture('models', name), file, { dtype, tokenizerDir: fixture(...tokenizer.split('/')) });

  it.each(['reference', 'cpu'] as const)('loads as the safetensors checkpoint does on %s: config, logits bit for bit, greedy ids', async (device) => {
    await written;
    const original = await LlamaForCausalLM.from_pretrained(fixture('models', name), { device });
    const fromGguf = await LlamaForCausalLM.from_pretrained(file, { device });
    try {
      expect(shapeOf(fromGguf.config)).toEqual(shapeOf(original.config));
      const a = await original.forward({ input_ids: PROMPT });
      const b = await fromGguf.forward({ input_ids: PROMPT });
      expect(Buffer.from((await b.logits!.toFloat32()).buffer).equals(Buffer.from((await a.logits!.toFloat32()).buffer))).toBe(true);
      disposeOutput(a);
      disposeOutput(b);
      const options = { max_new_tokens: 8, do_sample: false, eos_token_id: null, pad_token_id: 0 } as const;
      const ga = await original.generate({ input_ids: PROMPT }, options);
      const gb = await fromGguf.generate({ input_ids: PROMPT }, options);
      expect(gb).toEqual(ga);
    } finally {
      original.dispose();
      fromGguf.dispose();
    }
  });
});

describe('a folder holding one GGUF file', () => {
  it('loads model and tokenizer from the folder, and the tokenizer gives the fixture tokenizer ids', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    await writeLlamaGguf(fixture('models', 'llama2c-260k'), join(folder, 'llama2c.gguf'), { dtype: 'float32' });
    const model = await LlamaForCausalLM.from_pretrained(folder, { device: 'reference' });
    const tokenizer = await AutoTokenizer.from_pretrained(folder);
    const expected = await AutoTokenizer.from_pretrained(fixture('models', 'llama2c-260k'));
    const text = 'Once upon a time, there was a little girl.';
    expect(tokenizer.encode(text)).toEqual(expected.encode(text));
    expect(model.config.bos_token_id).toBe(1);
    expect(model.generation_config.eos_token_id).toBe(2);
    model.dispose();
  });

  it('refuses a folder of two GGUF files, naming both', async () => {
    const folder = join(dir, 'two');
    mkdirSync(folder);
    await writeLlamaGguf(fixture('models', 'llama2c-260k'), join(folder, 'a.gguf'), { dtype: 'float32' });
    copyFileSync(join(folder, 'a.gguf'), join(folder, 'b.gguf'));
    await expect(LlamaForCausalLM.from_pretrained(folder, { device: 'reference' })).rejects.toThrow(/holds 2 GGUF files \(a\.gguf, b\.gguf\) and no config\.json/);
  });

  it('refuses a truncated GGUF, naming the file', async () => {
    const file = join(dir, 'truncated.gguf');
    await writeLlamaGguf(fixture('models', 'llama2c-260k'), file, { dtype: 'float32' });
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.byteLength - 1000));
    await expect(LlamaForCausalLM.from_pretrained(file, { device: 'reference' })).rejects.toThrow(/truncated\.gguf: .*(end of the file|truncated|past the end)/);
  });

  it('refuses metadata that contradicts the tensor shapes, naming the file and the tensors', async () => {
    const good = join(dir, 'good.gguf');
    const bad = join(dir, 'contradicts.gguf');
    await writeLlamaGguf(fixture('models', 'llama2c-260k'), good, { dtype: 'float32' });
    const source = await fileSource(good);
    try {
      const file = await readGguf(source);
      const metadata = new Map(file.metadata);
      metadata.set('llama.feed_forward_length', gguf.uint32(128));
      await writeGguf(bad, metadata, file.tensors.map((t) => ({ name: t.name, type: t.type, shape: t.shape, data: async function* () { yield await source.read(t.offset, t.byteLength); } })));
    } finally {
      await source.close();
    }
    await expect(LlamaForCausalLM.from_pretrained(bad, { device: 'reference' })).rejects.toThrow(/contradicts\.gguf: weight 'model\.layers\.0\.mlp\.down_proj\.weight' has shape \[64, 172\], expected \[64, 128\]/);
  });

  it('refuses a GGUF of another architecture, naming the file and the key', async () => {
    const file = join(dir, 'not-llama.gguf');
    await writeLlamaGguf(fixture('models', 'llama2c-260k'), file, { dtype: 'float32' });
    const bytes = new Uint8Array(readFileSync(file));
    // 'llama' is the first string value (general.architecture): make it 'llamb'.
    const at = Buffer.from(bytes).indexOf('llama', 0, 'latin1');
    bytes[at + 4] = 'b'.charCodeAt(0);
    writeFileSync(file, bytes);
    await expect(LlamaForCausalLM.from_pretrained(file, { device: 'reference' })).rejects.toThrow(/not-llama\.gguf: metadata 'general\.architecture' is 'llamb'; cria runs the Llama family/);
  });
});
