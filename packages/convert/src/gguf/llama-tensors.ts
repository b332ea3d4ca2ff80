// Hugging Face Llama tensors -> GGUF tensors as convert_hf_to_gguf.py's LlamaModel maps them: llama.cpp's
// names, q/k rows permuted from rotate-half to interleaved, 1-D tensors and norms in F32, the rest in the
// output type. Data is read from byte sources by ranges and converted chunk by chunk.
import { ArgumentError, type ByteSource } from '@cria/core';
import { elementCopier, type FloatDType } from '../convert/dtype-cast.js';
import { permutedRow } from '../convert/tensor-plan.js';
import type { GgmlTypeName } from '@cria/core';
import type { GgufTensor } from './writer.js';

/** A tensor of a Hugging Face checkpoint: `shape` row-major, its bytes at `offset` in `source`. */
export interface HfTensor {
  name: string;
  dtype: FloatDType;
  shape: readonly number[];
  source: ByteSource;
  offset: number;
}

const LAYER_MODULES: Readonly<Record<string, string>> = {
  input_layernorm: 'attn_norm',
  'self_attn.q_proj': 'attn_q',
  'self_attn.k_proj': 'attn_k',
  'self_attn.v_proj': 'attn_v',
  'self_attn.o_proj': 'attn_output',
  post_attention_layernorm: 'ffn_norm',
  'mlp.gate_proj': 'ffn_gate',
  'mlp.up_proj': 'ffn_up',
  'mlp.down_proj': 'ffn_down',
};

/** Checkpoint entries convert_hf_to_gguf.py drops (buffers, not weights). */
export function isSkippedTensor(name: string): boolean {
  return /\.(attention\.masked_bias|attention\.bias|rotary_emb\.inv_freq)$/.test(name);
}

/** llama.cpp's name of a LlamaForCausalLM tensor ('model.layers.3.self_attn.q_proj.weight' -> 'blk.3.attn_q.weight'), or null. */
export function ggufTensorName(name: string): string | null {
  const m = /^(.*)\.(weight|bias)$/.exec(name);
  if (!m) return null;
  const [, base, suffix] = m as unknown as [string, string, string];
  if (base === 'model.embed_tokens') return `token_embd.${suffix}`;
  if (base === 'model.norm') return `output_norm.${suffix}`;
  if (base === 'lm_head') return `output.${suffix}`;
  const layer = /^model\.layers\.(\d+)\.(.+)$/.exec(base);
  const module = layer ? LAYER_MODULES[layer[2]!] : undefined;
  return module ? `blk.${Number(layer![1])}.${module}.${suffix}` : null;
}

/** F32 for 1-D tensors, norms and anything not a `.weight`; the file's type for the other weights. */
/** The float types the converter writes a checkpoint's tensors as. */
export type FloatGgmlType = Extract<GgmlTypeName, 'F32' | 'F16' | 'BF16'>;

export function ggufTypeFor(ggufName: string, dims: number, outType: FloatGgmlType): FloatGgmlType {
  if (dims <= 1 || ggufName.endsWith('_norm.weight') || !ggufName.endsWith('.weight')) return 'F32';
  return outType;
}

const DTYPE_OF: Readonly<Record<FloatGgmlType, FloatDType>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };
const BYTES: Readonly<Record<FloatDType, number>> = { float32: 4, float16: 2, bfloat16: 2 };

/** About this many bytes of output per chunk a tensor's data() yields. */
export const CHUNK_BYTES = 8 << 20;

export interface LlamaTensorOptions {
  /** The output type of the weight matrices. */
  outType: FloatGgmlType;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  /** Skip lm_head (tied embeddings: llama.cpp uses token_embd when `output` is absent). */
  tied: boolean;
}

/**
 * The GGUF tensors of `tensors` (in their order), or an error naming the first tensor that is not a
 * LlamaForCausalLM weight or whose q/k rows do not split into heads.
 */
export function llamaGgufTensors(tensors: readonly HfTensor[], options: LlamaTensorOptions): GgufTensor[] {
  const out: GgufTensor[] = [];
  for (const t of tensors) {
    if (isSkippedTensor(t.name) || (options.tied && t.name === 'lm_head.weight')) continue;
    const name = ggufTensorName(t.name);
    if (name === null) throw new ArgumentError(`writeLlamaGguf: cannot map tensor '${t.name}' to a GGUF name (not a LlamaForCausalLM weight)`);
    if (!Object.hasOwn(BYTES, t.dtype)) throw new ArgumentError(`writeLlamaGguf: tensor '${t.name}' is ${String(t.dtype)}; only float32, float16 and bfloat16 tensors are written`);
    const type = ggufTypeFor(name, t.shape.length, options.outType);
    const heads = /(^|\.)q_proj\.(weight|bias)$/.test(t.name) ? options.numAttentionHeads : /(^|\.)k_proj\.(weight|bias)$/.test(t.name) ? options.numKeyValueHeads : 0;
    const rows = t.shape[0] ?? 1;
    if (heads > 0 && rows % (2 * heads) !== 0) {
      throw new ArgumentError(`writeLlamaGguf: tensor '${t.name}' has ${rows} rows, not ${heads} heads of an even size (num_attention_heads / num_key_value_heads)`);
    }
    out.push({ name, type, shape: [...t.shape], data: () => convertedRows(t, DTYPE_OF[type], heads) });
  }
  return out;
}

/** The tensor's rows read by ranges and converted to `dtype`; with `heads`, rows permuted per head (whole heads per chunk). */
async function* convertedRows(t: HfTensor, dtype: FloatDType, heads: number): AsyncGenerator<Uint8Array> {
  const rows = t.shape[0] ?? 1;
  const cols = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const inRow = cols * BYTES[t.dtype];
  const outRow = cols * BYTES[dtype];
  const headDim = heads > 0 ? rows / heads : 1;
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / outRow / headDim)) * headDim;
  for (let first = 0; first < rows; first += rowsPerChunk) {
    const count = Math.min(rowsPerChunk, rows - first);
    const src = await t.source.read(t.offset + first * inRow, count * inRow);
    if (heads === 0 && t.dtype === dtype) {
      yield src;
      continue;
    }
    const dst = new Uint8Array(count * outRow);
    const copy = elementCopier(src, t.dtype, dst, dtype, `tensor '${t.name}'`);
    if (heads === 0) copy(0, 0, count * cols);
    else for (let r = 0; r < count; r++) copy(permutedRow(r, { heads, headDim }) * cols, r * cols, cols);
    yield dst;
  }
}
