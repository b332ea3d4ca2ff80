// Which GGUF type each tensor of a quantized file gets, as llama.cpp's llama-quantize chooses it for the llama
// architecture without an importance matrix (llama-quant.cpp, llama_tensor_get_type): the file type's default, with
// the output (and a tied embedding) in Q6_K, the K_M mixes' attn_v and ffn_down in Q6_K on the layers use_more_bits
// picks, and the fallbacks for rows that are not whole blocks (F16 where llama-quantize would refuse the file, as
// convert_hf_to_gguf.py's --outtype q8_0 falls back).
import { GGML_BLOCK, GGML_BLOCK_FALLBACK, type GgmlTypeName } from '@cria/core';

/** The whole-file quantized types `writeLlamaGguf` writes (llama-quantize's names, lower case). */
export type QuantFileType = 'q8_0' | 'q4_0' | 'q4_1' | 'q5_0' | 'q5_1' | 'q4_k_m' | 'q5_k_m' | 'q6_k';

/** Each file type's default tensor type and general.file_type name. */
export const QUANT_FILE_TYPES: Readonly<Record<QuantFileType, { type: GgmlTypeName; fileType: 'MOSTLY_Q8_0' | 'MOSTLY_Q4_0' | 'MOSTLY_Q4_1' | 'MOSTLY_Q5_0' | 'MOSTLY_Q5_1' | 'MOSTLY_Q4_K_M' | 'MOSTLY_Q5_K_M' | 'MOSTLY_Q6_K' }>> = {
  q8_0: { type: 'Q8_0', fileType: 'MOSTLY_Q8_0' },
  q4_0: { type: 'Q4_0', fileType: 'MOSTLY_Q4_0' },
  q4_1: { type: 'Q4_1', fileType: 'MOSTLY_Q4_1' },
  q5_0: { type: 'Q5_0', fileType: 'MOSTLY_Q5_0' },
  q5_1: { type: 'Q5_1', fileType: 'MOSTLY_Q5_1' },
  q4_k_m: { type: 'Q4_K', fileType: 'MOSTLY_Q4_K_M' },
  q5_k_m: { type: 'Q5_K', fileType: 'MOSTLY_Q5_K_M' },
  q6_k: { type: 'Q6_K', fileType: 'MOSTLY_Q6_K' },
};

export function isQuantFileType(value: unknown): value is QuantFileType {
  return typeof value === 'string' && Object.hasOwn(QUANT_FILE_TYPES, value);
}

/** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third one between. */
export function useMoreBits(layer: number, layers: number): boolean {
  const eighth = Math.trunc(layers / 8);
  return layer < eighth || layer >= Math.trunc((7 * layers) / 8) || (layer - eighth) % 3 === 2;
}

export interface QuantTensor {
  /** The GGUF name (blk.3.attn_v.weight). */
  name: string;
  shape: readonly number[];
}

/**
 * The type of one 2-D weight in a `fileType` file of `layers` layers; `hasOutput`: the file has output.weight (else
 * token_embd.weight is the output too and is quantized as it). 1-D tensors and norms are not asked (they stay F32).
 */
export function quantTensorType(tensor: QuantTensor, fileType: QuantFileType, layers: number, hasOutput: boolean): GgmlTypeName {
  const base = QUANT_FILE_TYPES[fileType].type;
  const cols = tensor.shape[tensor.shape.length - 1]!;
  const layer = Number(/^blk\.(\d+)\./.exec(tensor.name)?.[1] ?? -1);
  let type = base;
  if (tensor.name === 'output.weight' || (!hasOutput && tensor.name === 'token_embd.weight')) {
    type = cols % GGML_BLOCK[base].blockElements !== 0 ? 'Q8_0' : base !== 'Q8_0' ? 'Q6_K' : 'Q8_0';
  } else if (tensor.name.endsWith('.attn_v.weight') || tensor.name.endsWith('.ffn_down.weight')) {
    if ((fileType === 'q4_k_m' || fileType === 'q5_k_m') && useMoreBits(layer, layers)) type = 'Q6_K';
  }
  if (cols % GGML_BLOCK[type].blockElements === 0) return type;
  // A K type falls back as llama-quantize does; a 32-block type to F16, as convert_hf_to_gguf.py does for --outtype q8_0
  // (llama-quantize refuses those files).
  const fallback = GGML_BLOCK_FALLBACK[type];
  return fallback && cols % GGML_BLOCK[fallback].blockElements === 0 ? fallback : 'F16';
}
