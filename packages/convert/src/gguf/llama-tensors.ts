// Hugging Face Llama tensors -> GGUF tensors as convert_hf_to_gguf.py's LlamaModel maps them: llama.cpp's
// names, q/k rows permuted from rotate-half to interleaved, 1-D tensors and norms in F32, the rest in the
// output type. Data is read from byte sources by ranges and converted chunk by chunk.
import { ArgumentError, type ByteSource, type GgmlTypeName, type QuantType, ggufTensorName, quantize } from '@cria/core';
import { isQuantFileType, type QuantFileType, quantTensorType } from './quant-plan.js';
import { elementCopier, type FloatDType } from '../convert/dtype-cast.js';
import { permutedRow } from '../convert/tensor-plan.js';
import type { GgufTensor } from './writer.js';

/** A tensor of a Hugging Face checkpoint: `shape` row-major, its bytes at `offset` in `source`. */
export interface HfTensor {
  name: string;
  dtype: FloatDType;
  shape: readonly number[];
  source: ByteSource;
  offset: number;
}

/** Checkpoint entries convert_hf_to_gguf.py drops (buffers, not weights). */
export function isSkippedTensor(name: string): boolean {
  return /\.(attention\.masked_bias|attention\.bias|rotary_emb\.inv_freq)$/.test(name);
}

/** The float types the converter writes a checkpoint's tensors as. */
export type FloatGgmlType = Extract<GgmlTypeName, 'F32' | 'F16' | 'BF16'>;

/** F32 for 1-D tensors, norms and anything not a `.weight`; the file's type for the other weights. */
export function ggufTypeFor(ggufName: string, dims: number, outType: FloatGgmlType): FloatGgmlType {
  return staysF32(ggufName, dims) ? 'F32' : outType;
}

/** 1-D tensors, norms and anything not a `.weight` are F32 in every file type. */
function staysF32(ggufName: string, dims: number): boolean {
  return dims <= 1 || ggufName.endsWith('_norm.weight') || !ggufName.endsWith('.weight');
}

const DTYPE_OF: Readonly<Record<FloatGgmlType, FloatDType>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };
const BYTES: Readonly<Record<FloatDType, number>> = { float32: 4, float16: 2, bfloat16: 2 };

/** About this many bytes of output per chunk a tensor's data() yields. */
export const CHUNK_BYTES = 8 << 20;

export interface LlamaTensorOptions {
  /** The output type of the weight matrices: a float type, or a quantized file type (each tensor's type from quantTensorType). */
  outType: FloatGgmlType | QuantFileType;
  /** Layers of the model (for a quantized file type's per-layer choices). */
  numLayers: number;
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
    const { outType } = options;
    const type: GgmlTypeName = staysF32(name, t.shape.length)
      ? 'F32'
      : isQuantFileType(outType) ? quantTensorType({ name, shape: t.shape }, outType, options.numLayers, !options.tied) : outType;
    const heads = /(^|\.)q_proj\.(weight|bias)$/.test(t.name) ? options.numAttentionHeads : /(^|\.)k_proj\.(weight|bias)$/.test(t.name) ? options.numKeyValueHeads : 0;
    const rows = t.shape[0] ?? 1;
    if (heads > 0 && rows % (2 * heads) !== 0) {
      throw new ArgumentError(`writeLlamaGguf: tensor '${t.name}' has ${rows} rows, not ${heads} heads of an even size (num_attention_heads / num_key_value_heads)`);
    }
    out.push({ name, type, shape: [...t.shape], data: () => (isFloatGgmlType(type) ? convertedRows(t, DTYPE_OF[type], heads) : quantizedRows(t, type, heads)) });
  }
  return out;
}

const isFloatGgmlType = (type: GgmlTypeName): type is FloatGgmlType => type === 'F32' || type === 'F16' || type === 'BF16';

/** The tensor's rows as float32 (permuted as convertedRows does), quantized to `type` chunk by chunk (llama.cpp's reference quantizers). */
async function* quantizedRows(t: HfTensor, type: GgmlTypeName, heads: number): AsyncGenerator<Uint8Array> {
  const cols = t.shape.slice(1).reduce((a, b) => a * b, 1);
  for await (const chunk of convertedRows(t, 'float32', heads)) {
    const values = new Float32Array(chunk.buffer, chunk.byteOffset, chunk.byteLength / 4);
    yield quantize(type as QuantType, values.byteOffset % 4 === 0 ? values : new Float32Array(values), values.length / cols, cols);
  }
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
