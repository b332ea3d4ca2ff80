// resize_token_embeddings: new rows are the mean of the old ones (transformers' mean_resizing), the tied head follows.
import { ArgumentError, type DType, type Tensor, bfloat16ArrayToFloat32, float16ArrayToFloat32, float32ArrayToBfloat16, float32ArrayToFloat16 } from '@cria/core';
import { Parameter } from '../nn/module.js';
import type { LlamaForCausalLM } from './heads.js';

async function widen(t: Tensor): Promise<Float32Array> {
  const data = await t.toArray();
  if (t.dtype === 'float32') return data as Float32Array;
  return t.dtype === 'float16' ? float16ArrayToFloat32(data as Uint16Array) : bfloat16ArrayToFloat32(data as Uint16Array);
}

function narrow(values: Float32Array, dtype: DType): Float32Array | Uint16Array {
  if (dtype === 'float32') return values;
  return dtype === 'float16' ? float32ArrayToFloat16(values) : float32ArrayToBfloat16(values);
}

/** A copy of `param` with `rows` rows: the first kept, the rest the mean of the old rows. */
async function resizedRows(model: LlamaForCausalLM, param: Parameter, rows: number): Promise<Parameter> {
  const old = param.value;
  const [oldRows, width] = old.shape as [number, number];
  const values = await widen(old);
  const out = new Float32Array(rows * width);
  out.set(values.subarray(0, Math.min(rows, oldRows) * width));
  if (rows > oldRows) {
    const mean = new Float64Array(width);
    for (let r = 0; r < oldRows; r++) for (let j = 0; j < width; j++) mean[j]! += values[r * width + j]!;
    for (let j = 0; j < width; j++) mean[j]! /= oldRows;
    for (let r = oldRows; r < rows; r++) for (let j = 0; j < width; j++) out[r * width + j] = mean[j]!;
  }
  const fresh = new Parameter([rows, width], param.kind);
  fresh.value = model.backend.upload(narrow(out, old.dtype), [rows, width], old.dtype);
  return fresh;
}

export async function resizeTokenEmbeddings(model: LlamaForCausalLM, newNumTokens: number, padToMultipleOf?: number): Promise<void> {
  if (!Number.isInteger(newNumTokens) || newNumTokens < 1) throw new ArgumentError(`resize_token_embeddings: 'new_num_tokens' must be a positive integer, got ${newNumTokens}`);
  let rows = newNumTokens;
  if (padToMultipleOf !== undefined) {
    if (!Number.isInteger(padToMultipleOf) || padToMultipleOf < 1) throw new ArgumentError(`resize_token_embeddings: 'pad_to_multiple_of' must be a positive integer, got ${padToMultipleOf}`);
    rows = Math.ceil(rows / padToMultipleOf) * padToMultipleOf;
  }
  const embed = model.model.embed_tokens;
  const tied = model.lm_head.weight === embed.weight;
  const newEmbed = await resizedRows(model, embed.weight, rows);
  const newHead = tied ? newEmbed : await resizedRows(model, model.lm_head.weight, rows);
  embed.weight.value.dispose();
  if (!tied) model.lm_head.weight.value.dispose();
  (embed as { weight: Parameter }).weight = newEmbed;
  (model.lm_head as { weight: Parameter }).weight = newHead;
  model.config.vocab_size = rows;
}
