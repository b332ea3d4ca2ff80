// cria convert --to gguf: a Hugging Face Llama folder -> one GGUF file llama.cpp loads (convert_hf_to_gguf.py's
// mapping; quantized types mixed as llama-quantize mixes them).
import { QUANT_FILE_TYPES, type QuantFileType, writeLlamaGguf } from '@cria/convert';
import { UsageError, choiceFlag } from '../args.js';

export const CONVERT_GGUF_HELP = `cria convert --to gguf --input_dir <hf dir> --outfile <file.gguf>
    [--dtype f32|f16|bf16|${Object.keys(QUANT_FILE_TYPES).join('|')} (f16)] [--tokenizer_dir <dir>]
  Writes the checkpoint (config.json, safetensors, tokenizer files) as one GGUF file llama.cpp, ollama and
  LM Studio load, and cria loads back (from_pretrained('<file.gguf>')). Quantized types are mixed per tensor as
  llama.cpp's llama-quantize mixes them (q4_k_m: Q6_K output and some attn_v / ffn_down), with its blocks.
  --outtype is taken as --dtype (convert_hf_to_gguf.py's name).`;

const DTYPES = { f32: 'float32', f16: 'float16', bf16: 'bfloat16', ...Object.fromEntries(Object.keys(QUANT_FILE_TYPES).map((t) => [t, t])) } as Record<string, 'float32' | 'float16' | 'bfloat16' | QuantFileType>;

export async function runConvertGguf(v: Record<string, string | boolean | undefined>): Promise<void> {
  const inputDir = v.input_dir;
  const outfile = v.outfile;
  if (typeof inputDir !== 'string' || inputDir === '') throw new UsageError('cria convert --to gguf: --input_dir <hf dir> is required');
  if (typeof outfile !== 'string' || outfile === '') throw new UsageError('cria convert --to gguf: --outfile <file.gguf> is required');
  if (v.dtype !== undefined && v.outtype !== undefined) throw new UsageError('cria convert --to gguf: pass --dtype or --outtype, not both');
  const name = choiceFlag('convert', { dtype: v.dtype ?? v.outtype }, 'dtype', Object.keys(DTYPES), 'f16');
  const started = performance.now();
  const result = await writeLlamaGguf(inputDir, outfile, {
    dtype: DTYPES[name]!,
    ...(typeof v.tokenizer_dir === 'string' ? { tokenizerDir: v.tokenizer_dir } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`wrote ${result.tensors.length} tensors (${(result.fileSize / 2 ** 20).toFixed(1)} MiB, ${result.fileType}) in ${seconds.toFixed(1)} s to ${outfile}\n`);
}
