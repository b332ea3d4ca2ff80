// A GGUF file as a checkpoint: its llama.cpp tensor names read as Hugging Face keys, q/k rows put back in the
// rotate-half order cria's attention uses (a row permutation: a block-format row stays whole), tensors read by
// ranges or mapped where their rows need no reordering.
import { type GgufTensorFacts, LlamaConfig, llamaConfigFromGguf } from '@cria/config';
import {
  type ByteSource, type DType, FileFormatError, type GgmlTypeName, type GgufFile, type GgufTensorInfo, type ModelDirectory,
  ggufRowOfHfRow, hfTensorName, hostTensor, readGguf, typedArrayFromBytes,
} from '@cria/core';
import type { OpenedCheckpoint } from './open-checkpoint.js';

/** The cria dtype of each GGUF tensor type. */
const DTYPE_OF: Readonly<Record<GgmlTypeName, DType>> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', Q4_0: 'q4_0', Q4_1: 'q4_1', Q5_0: 'q5_0', Q5_1: 'q5_1', Q8_0: 'q8_0', Q4_K: 'q4_k', Q5_K: 'q5_k', Q6_K: 'q6_k',
};

/** llama3 RoPE factors: one float32 per frequency. */
const ROPE_FREQS = 'rope_freqs.weight';

export interface OpenedGguf {
  file: GgufFile;
  config: LlamaConfig;
  checkpoint: OpenedCheckpoint;
}

/** One tensor, by its Hugging Face key. */
interface Entry {
  info: GgufTensorInfo;
  dtype: DType;
  /** Rows per head where the rows are stored interleaved (q_proj, k_proj), else 0. */
  headDim: number;
}

/**
 * Opens `fileName` in `directory`, reads its header and builds the config from its metadata and tensors (`config`
 * overrides: fields to set on it, as from_pretrained's `config` option). The caller closes the checkpoint.
 */
export async function openGgufCheckpoint(directory: ModelDirectory, fileName: string, overrides: Record<string, unknown> = {}): Promise<OpenedGguf> {
  const source = await directory.open(fileName);
  try {
    const file = await readGguf(source);
    const byGgufName = new Map(file.tensors.map((t) => [t.name, t]));
    const facts = tensorFacts(file, byGgufName);
    facts.ropeFreqFactors = await ropeFreqFactors(file, source, byGgufName.get(ROPE_FREQS));
    let config = llamaConfigFromGguf(file, facts);
    if (Object.keys(overrides).length) config = LlamaConfig.from_dict({ ...config.to_dict(), ...overrides });
    const entries = tensorEntries(file, config);
    return { file, config, checkpoint: ggufCheckpoint(file, source, entries) };
  } catch (error) {
    await source.close();
    throw error;
  }
}

function tensorFacts(file: GgufFile, byName: ReadonlyMap<string, GgufTensorInfo>): GgufTensorFacts {
  const embedding = byName.get('token_embd.weight');
  if (!embedding || embedding.shape.length !== 2) throw new FileFormatError(file.file, `has no 2-D tensor 'token_embd.weight' (the token embedding)`);
  return {
    vocabSize: embedding.shape[0]!,
    tiedEmbeddings: !byName.has('output.weight'),
    attentionBias: byName.has('blk.0.attn_q.bias'),
    mlpBias: byName.has('blk.0.ffn_gate.bias'),
  };
}

async function ropeFreqFactors(file: GgufFile, source: ByteSource, info: GgufTensorInfo | undefined): Promise<Float32Array | undefined> {
  if (!info) return undefined;
  if (info.type !== 'F32' || info.shape.length !== 1 || info.shape[0]! > 1 << 16) {
    throw new FileFormatError(file.file, `tensor '${ROPE_FREQS}' must be a 1-D F32 tensor of RoPE factors (one per frequency), got ${info.type} [${info.shape.join(', ')}]`);
  }
  return typedArrayFromBytes('float32', await source.read(info.offset, info.byteLength));
}

function tensorEntries(file: GgufFile, config: LlamaConfig): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  const unknown: string[] = [];
  for (const info of file.tensors) {
    if (info.name === ROPE_FREQS) continue;
    const key = hfTensorName(info.name);
    if (key === null) {
      unknown.push(info.name);
      continue;
    }
    const heads = /\.q_proj\./.test(key) ? config.num_attention_heads : /\.k_proj\./.test(key) ? config.numKvHeads : 0;
    let headDim = 0;
    if (heads > 0) {
      headDim = config.headDim;
      if (info.shape[0] !== heads * headDim) {
        throw new FileFormatError(file.file, `tensor '${info.name}' has ${info.shape[0]} rows; its ${heads} heads of ${headDim} need ${heads * headDim}`);
      }
    }
    entries.set(key, { info, dtype: DTYPE_OF[info.type], headDim });
  }
  if (unknown.length) {
    const shown = unknown.slice(0, 6).map((n) => `'${n}'`).join(', ');
    throw new FileFormatError(file.file, `holds tensors that are not part of a llama model: ${shown}${unknown.length > 6 ? ` and ${unknown.length - 6} more` : ''}`);
  }
  return entries;
}

function ggufCheckpoint(file: GgufFile, source: ByteSource, entries: ReadonlyMap<string, Entry>): OpenedCheckpoint {
  let closed = false;
  const entry = (name: string): Entry => {
    const e = entries.get(name);
    if (!e) throw new FileFormatError(file.file, `has no tensor for '${name}'`);
    return e;
  };
  const readRange = async (name: string, offset: number, target: Uint8Array): Promise<void> => {
    const { info, headDim } = entry(name);
    if (target.byteLength === 0) return;
    if (closed) throw new FileFormatError(file.file, `read of '${name}' after close()`);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + target.byteLength > info.byteLength) {
      throw new FileFormatError(file.file, `read of '${name}': bytes ${offset}..${offset + target.byteLength} are outside its ${info.byteLength} bytes`);
    }
    if (headDim === 0) {
      if (source.readInto) await source.readInto(info.offset + offset, target);
      else target.set(await source.read(info.offset + offset, target.byteLength));
      return;
    }
    // Whole heads hold the same rows in both orders: read the heads the range touches, then pick each row.
    const rowBytes = info.byteLength / info.shape[0]!;
    const headBytes = rowBytes * headDim;
    const firstHead = Math.floor(offset / headBytes);
    const lastHead = Math.floor((offset + target.byteLength - 1) / headBytes);
    const heads = await source.read(info.offset + firstHead * headBytes, (lastHead - firstHead + 1) * headBytes);
    const base = firstHead * headDim;
    for (let at = 0; at < target.byteLength;) {
      const pos = offset + at;
      const row = Math.floor(pos / rowBytes);
      const within = pos - row * rowBytes;
      const take = Math.min(rowBytes - within, target.byteLength - at);
      const stored = (ggufRowOfHfRow(row, headDim) - base) * rowBytes + within;
      target.set(heads.subarray(stored, stored + take), at);
      at += take;
    }
  };
  return {
    keys: () => [...entries.keys()],
    info: (name) => {
      const { info, dtype } = entry(name);
      return { dtype, shape: info.shape, file: file.file.split('/').pop(), byteOffset: info.offset };
    },
    async get(name) {
      const { info, dtype } = entry(name);
      const bytes = new Uint8Array(info.byteLength);
      await readRange(name, 0, bytes);
      return hostTensor(typedArrayFromBytes(dtype, bytes), info.shape, dtype);
    },
    readTensorRange: readRange,
    filePosition(name) {
      const { info, headDim } = entry(name);
      return headDim === 0 && source.localPath !== undefined ? { path: source.localPath, byteOffset: info.offset } : undefined;
    },
    async close() {
      closed = true;
      await source.close();
    },
  };
}
