// llama.cpp's tensor names of the llama architecture against Hugging Face's LlamaForCausalLM keys (as
// convert_hf_to_gguf.py's LlamaModel maps them), and the q/k row order GGUF stores.

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
const HF_LAYER_MODULES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(LAYER_MODULES).map(([hf, gguf]) => [gguf, hf]));

/** llama.cpp's name of a LlamaForCausalLM tensor ('model.layers.3.self_attn.q_proj.weight' -> 'blk.3.attn_q.weight'), or null. */
export function ggufTensorName(name: string): string | null {
  const m = /^(.*)\.(weight|bias)$/.exec(name);
  if (!m) return null;
  const [, base, suffix] = m as unknown as [string, string, string];
  if (base === 'model.embed_tokens') return `token_embd.${suffix}`;
  if (base === 'model.norm') return `output_norm.${suffix}`;
  if (base === 'lm_head') return `output.${suffix}`;
  const layer = /^model\.layers\.(\d+)\.(.+)$/.exec(base);
  const module = layer && Object.hasOwn(LAYER_MODULES, layer[2]!) ? LAYER_MODULES[layer[2]!] : undefined;
  return module ? `blk.${Number(layer![1])}.${module}.${suffix}` : null;
}

/** The LlamaForCausalLM key of a llama.cpp tensor name ('blk.3.attn_q.weight' -> 'model.layers.3.self_attn.q_proj.weight'), or null. */
export function hfTensorName(name: string): string | null {
  const m = /^(.*)\.(weight|bias)$/.exec(name);
  if (!m) return null;
  const [, base, suffix] = m as unknown as [string, string, string];
  if (base === 'token_embd') return `model.embed_tokens.${suffix}`;
  if (base === 'output_norm') return `model.norm.${suffix}`;
  if (base === 'output') return `lm_head.${suffix}`;
  const layer = /^blk\.(0|[1-9]\d{0,8})\.([a-z_]+)$/.exec(base);
  const module = layer && Object.hasOwn(HF_LAYER_MODULES, layer[2]!) ? HF_LAYER_MODULES[layer[2]!] : undefined;
  return module ? `model.layers.${layer![1]}.${module}.${suffix}` : null;
}

/**
 * Where GGUF stores row `row` of a Hugging Face q_proj / k_proj weight (or bias) of heads of `headDim` rows: GGUF
 * interleaves each head's two rotate-half halves (row i of the first half, then row i of the second), as llama.cpp's
 * RoPE pairs neighbouring dimensions.
 */
export function ggufRowOfHfRow(row: number, headDim: number): number {
  const half = headDim / 2;
  const head = Math.floor(row / headDim);
  const r = row - head * headDim;
  return head * headDim + 2 * (r % half) + Math.floor(r / half);
}
