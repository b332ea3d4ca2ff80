// A Hugging Face Llama checkpoint (config.json, safetensors, tokenizer files) as one GGUF file llama.cpp loads,
// mapped as convert_hf_to_gguf.py maps LlamaForCausalLM; tensors streamed by ranges, one chunk at a time.
import { readFile, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { LlamaConfig } from '@cria/config';
import { ArgumentError, type ByteSource, FileFormatError, fileSource, parseSafetensorsIndex, readSafetensorsHeader, SAFETENSORS_INDEX_FILE } from '@cria/core';
import type { FloatDType } from '../convert/dtype-cast.js';
import { type LlamaFileTypeName, llama3RopeFactors, llamaModelMetadata } from './llama-metadata.js';
import { type FloatGgmlType, type HfTensor, llamaGgufTensors } from './llama-tensors.js';
import { isQuantFileType, QUANT_FILE_TYPES, type QuantFileType } from './quant-plan.js';
import { addLlamaVocab, type LlamaTokenizerFiles } from './llama-vocab.js';
import { type GgufLayout, type GgufTensor, writeGguf } from './writer.js';

/** What writeLlamaGguf converts: config.json as parsed, the tensors in convert_hf_to_gguf.py's order, the tokenizer files. */
export interface LlamaGgufSource {
  config: Record<string, unknown>;
  /** Shard by shard (file names sorted), names sorted within a shard. */
  tensors: readonly HfTensor[];
  tokenizer: LlamaTokenizerFiles;
  /** general.name (the folder's name when read from a folder). */
  name?: string;
}

export interface ReadLlamaGgufSourceOptions {
  /** Where the tokenizer files are, when not beside the weights. */
  tokenizerDir?: string;
}

export interface WriteLlamaGgufOptions extends ReadLlamaGgufSourceOptions {
  /**
   * Type of the weight matrices; 1-D tensors and norms stay float32 (default float16, as the script's --outtype). A
   * quantized file type quantizes them as llama.cpp's llama-quantize does (its mixes and fallbacks, its reference
   * quantizers: the blocks are the ones llama-quantize writes from the same float32 values).
   */
  dtype?: FloatDType | QuantFileType;
  /** general.name; default: the source's name. */
  name?: string;
  /** tokenizer.ggml.pre for a byte-level BPE tokenizer that is not Llama 3's. */
  tokenizerPre?: string;
}

export interface WriteLlamaGgufResult extends GgufLayout {
  path: string;
  fileType: LlamaFileTypeName;
}

const OUT_TYPE: Readonly<Record<FloatDType, { type: FloatGgmlType; fileType: LlamaFileTypeName }>> = {
  float32: { type: 'F32', fileType: 'ALL_F32' },
  float16: { type: 'F16', fileType: 'MOSTLY_F16' },
  bfloat16: { type: 'BF16', fileType: 'MOSTLY_BF16' },
};

const JSON_FILES = ['tokenizer.json', 'tokenizer_config.json', 'added_tokens.json'] as const;

/** A readable source plus the file handles it opened. */
export type OpenedLlamaGgufSource = LlamaGgufSource & { close(): Promise<void> };

/** Reads a model folder's config, safetensors headers (not the data) and tokenizer files. Node only. */
export async function readLlamaGgufSource(dir: string, options: ReadLlamaGgufSourceOptions = {}): Promise<OpenedLlamaGgufSource> {
  if (typeof dir !== 'string' || dir === '') throw new ArgumentError(`readLlamaGgufSource: dir must be a model folder path, got ${String(dir)}`);
  const readJson = async (file: string): Promise<Record<string, unknown> | undefined> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const value = JSON.parse(text) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
      return value as Record<string, unknown>;
    } catch (error) {
      throw new FileFormatError(file, `is not a JSON object: ${(error as Error).message}`);
    }
  };
  const config = await readJson(join(dir, 'config.json'));
  if (!config) throw new ArgumentError(`readLlamaGgufSource: ${join(dir, 'config.json')} is missing (dir must be a Hugging Face model folder)`);

  const parts = await partNames(dir);
  const sources: ByteSource[] = [];
  const tensors: HfTensor[] = [];
  try {
    for (const part of parts) {
      const source = await fileSource(join(dir, part));
      sources.push(source);
      const header = await readSafetensorsHeader(source, part);
      const infos = [...header.tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const info of infos) {
        if (info.dtype !== 'float32' && info.dtype !== 'float16' && info.dtype !== 'bfloat16') {
          throw new FileFormatError(join(dir, part), `tensor '${info.name}' is ${info.safetensorsDtype}; only F32, F16 and BF16 checkpoints convert to GGUF here`);
        }
        tensors.push({ name: info.name, dtype: info.dtype, shape: info.shape, source, offset: info.byteOffset });
      }
    }
  } catch (error) {
    await Promise.allSettled(sources.map((s) => s.close()));
    throw error;
  }

  const tokDir = options.tokenizerDir ?? dir;
  const tokenizer: LlamaTokenizerFiles = {};
  for (const file of JSON_FILES) {
    const value = await readJson(join(tokDir, file));
    if (value) tokenizer[file] = value;
  }
  const optional = async (file: string) => readFile(join(tokDir, file)).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  const model = await optional('tokenizer.model');
  if (model) tokenizer['tokenizer.model'] = new Uint8Array(model.buffer, model.byteOffset, model.byteLength);
  const template = await optional('chat_template.jinja');
  if (template) tokenizer['chat_template.jinja'] = template.toString('utf8');

  return {
    config,
    tensors,
    tokenizer,
    name: basename(resolve(dir)),
    async close() {
      await Promise.allSettled(sources.map((s) => s.close()));
    },
  };
}

/** The weight files as the script lists them: the index's files sorted, else every model*.safetensors sorted. */
async function partNames(dir: string): Promise<string[]> {
  const indexPath = join(dir, SAFETENSORS_INDEX_FILE);
  const indexText = await readFile(indexPath, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)));
  const names = indexText !== undefined
    ? [...parseSafetensorsIndex(indexText, indexPath).shards]
    : (await readdir(dir)).filter((f) => f.startsWith('model') && f.endsWith('.safetensors'));
  if (names.length === 0) throw new ArgumentError(`readLlamaGgufSource: ${dir} has no model*.safetensors files`);
  return names.sort();
}

/**
 * Writes `input` (a model folder, or a source) as a GGUF file at `outPath` that llama.cpp loads as
 * `general.architecture = llama`. Memory stays bounded by one chunk of one tensor (8 MiB).
 */
export async function writeLlamaGguf(input: string | LlamaGgufSource, outPath: string, options: WriteLlamaGgufOptions = {}): Promise<WriteLlamaGgufResult> {
  if (typeof outPath !== 'string' || outPath === '') throw new ArgumentError(`writeLlamaGguf: outPath must be a file path, got ${String(outPath)}`);
  const dtype = options.dtype ?? 'float16';
  if (!Object.hasOwn(OUT_TYPE, dtype) && !isQuantFileType(dtype)) {
    throw new ArgumentError(`writeLlamaGguf: dtype must be one of ${[...Object.keys(OUT_TYPE), ...Object.keys(QUANT_FILE_TYPES)].join(', ')}, got ${String(dtype)}`);
  }
  if (typeof input === 'string') {
    const source = await readLlamaGgufSource(input, options);
    try {
      return await writeLlamaGguf(source, outPath, options);
    } finally {
      await source.close();
    }
  }
  if (typeof input !== 'object' || input === null || typeof input.config !== 'object' || input.config === null || !Array.isArray(input.tensors) || typeof input.tokenizer !== 'object' || input.tokenizer === null) {
    throw new ArgumentError('writeLlamaGguf: input must be a model folder path or { config, tensors, tokenizer }');
  }
  const architectures = input.config.architectures;
  if (Array.isArray(architectures) && architectures.length > 0 && !architectures.includes('LlamaForCausalLM')) {
    throw new ArgumentError(`writeLlamaGguf: config.architectures is ${JSON.stringify(architectures)}; only LlamaForCausalLM converts to GGUF here`);
  }
  const config = LlamaConfig.from_dict(input.config);
  const { type, fileType } = isQuantFileType(dtype) ? { type: dtype, fileType: QUANT_FILE_TYPES[dtype].fileType } : OUT_TYPE[dtype];
  const tensors: GgufTensor[] = [];
  const factors = llama3RopeFactors(config);
  if (factors) {
    const bytes = new Uint8Array(factors.buffer);
    tensors.push({ name: 'rope_freqs.weight', type: 'F32', shape: [factors.length], data: () => [bytes] });
  }
  tensors.push(...llamaGgufTensors(input.tensors, {
    outType: type,
    numLayers: config.num_hidden_layers,
    numAttentionHeads: config.num_attention_heads,
    numKeyValueHeads: config.numKvHeads,
    tied: config.tie_word_embeddings,
  }));
  const parameters = tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
  const metadata = llamaModelMetadata(config, { fileType, name: options.name ?? input.name ?? '', parameters });
  addLlamaVocab(metadata, input.tokenizer, input.config, config.vocab_size, { tokenizerPre: options.tokenizerPre });
  const layout = await writeGguf(outPath, metadata, tensors);
  return { ...layout, path: outPath, fileType };
}
