// Which Hugging Face tensor comes from which Meta tensors, and how: the seed script's mapping,
// shard merging (column-parallel on dim 0, row-parallel wo/w2 on dim 1, embeddings on dim 1 for
// versions 1-2 and dim 0 for 3+), and the rotate-half permutation of wq/wk.
import type { MetaParams } from './meta-params.js';
import { isLlama3, type LlamaVersion } from './llama-versions.js';

export interface Permutation {
  /** Heads of the (merged) weight: n_heads for wq, n_kv_heads for wk. */
  heads: number;
  /** Rows per head. */
  headDim: number;
}

export interface PlannedTensor {
  /** The Hugging Face name. */
  name: string;
  /** The Meta name inside each consolidated.NN.pth. */
  source: string;
  /** 'first': take shard 0 only (norms); 'cat': concatenate every shard along `dim`. */
  merge: { kind: 'first' } | { kind: 'cat'; dim: 0 | 1 };
  /** The rotate-half permutation of rows, for q_proj/k_proj. */
  permute?: Permutation;
}

export interface PlanOptions {
  version: LlamaVersion;
  numShards: number;
  /** Llama 3.2 ties lm_head to the embeddings: lm_head.weight is not written. */
  tieWordEmbeddings: boolean;
}

export function planTensors(params: MetaParams, options: PlanOptions): PlannedTensor[] {
  const headDim = params.dim / params.n_heads;
  const kvHeads = params.n_kv_heads ?? params.n_heads;
  const sharded = options.numShards > 1;
  const col = (dim: 0 | 1): PlannedTensor['merge'] => (sharded ? { kind: 'cat', dim } : { kind: 'first' });
  const out: PlannedTensor[] = [
    { name: 'model.embed_tokens.weight', source: 'tok_embeddings.weight', merge: col(isLlama3(options.version) ? 0 : 1) },
  ];
  for (let i = 0; i < params.n_layers; i++) {
    const l = `model.layers.${i}`;
    const m = `layers.${i}`;
    out.push(
      { name: `${l}.self_attn.q_proj.weight`, source: `${m}.attention.wq.weight`, merge: col(0), permute: { heads: params.n_heads, headDim } },
      { name: `${l}.self_attn.k_proj.weight`, source: `${m}.attention.wk.weight`, merge: col(0), permute: { heads: kvHeads, headDim } },
      { name: `${l}.self_attn.v_proj.weight`, source: `${m}.attention.wv.weight`, merge: col(0) },
      { name: `${l}.self_attn.o_proj.weight`, source: `${m}.attention.wo.weight`, merge: col(1) },
      { name: `${l}.mlp.gate_proj.weight`, source: `${m}.feed_forward.w1.weight`, merge: col(0) },
      { name: `${l}.mlp.up_proj.weight`, source: `${m}.feed_forward.w3.weight`, merge: col(0) },
      { name: `${l}.mlp.down_proj.weight`, source: `${m}.feed_forward.w2.weight`, merge: col(1) },
      { name: `${l}.input_layernorm.weight`, source: `${m}.attention_norm.weight`, merge: { kind: 'first' } },
      { name: `${l}.post_attention_layernorm.weight`, source: `${m}.ffn_norm.weight`, merge: { kind: 'first' } },
    );
  }
  out.push({ name: 'model.norm.weight', source: 'norm.weight', merge: { kind: 'first' } });
  if (!options.tieWordEmbeddings) out.push({ name: 'lm_head.weight', source: 'output.weight', merge: col(0) });
  return out;
}

/** Where merged row `row` goes after permute(w, heads): within a head, (i, j) -> (j, i) for row 2i+j. */
export function permutedRow(row: number, permutation: Permutation): number {
  const { headDim } = permutation;
  const half = headDim / 2;
  const head = Math.floor(row / headDim);
  const r = row - head * headDim;
  return head * headDim + (r % 2) * half + Math.floor(r / 2);
}

/** The merged shape of a planned tensor from its per-shard shapes. */
export function mergedShape(plan: PlannedTensor, shapes: readonly (readonly number[])[]): number[] {
  const first = shapes[0]!;
  if (plan.merge.kind === 'first') return [...first];
  const dim = plan.merge.dim;
  const out = [...first];
  out[dim] = shapes.reduce((sum, s) => sum + s[dim]!, 0);
  return out;
}
