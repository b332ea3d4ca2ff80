// Reads a fixture folder's goldens (expected.json and expected.safetensors) and picks rows out of
// flattened [B, S, W] outputs the way the goldens store them. Node only (reads files).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSafetensors } from '@cria/core';

/** The parts of a fixture's expected.json the model tests read. */
export interface ExpectedJson {
  inputs: {
    input_ids: number[][];
    padded_input_ids: number[][];
    padded_attention_mask: number[][];
    padded_position_ids: number[][];
    seqcls_input_ids?: number[][];
  };
  loss_labels_eq_input_ids?: number;
  greedy?: { prompt_ids: number[]; max_new_tokens: number; output_ids: number[]; min_top2_margin: number };
}

/** A golden tensor widened to float32, with its shape. */
export interface GoldenTensor {
  data: Float32Array;
  shape: number[];
}

export function readExpectedJson(dir: string): ExpectedJson {
  return JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as ExpectedJson;
}

/** Every tensor of expected.safetensors, widened to float32, with its shape. */
export async function readExpectedTensors(dir: string): Promise<Map<string, GoldenTensor>> {
  const file = await openSafetensors(join(dir, 'expected.safetensors'));
  const out = new Map<string, GoldenTensor>();
  try {
    for (const key of file.keys()) {
      const t = await file.get(key);
      out.set(key, { data: await t.toFloat32(), shape: [...t.shape] });
      t.dispose();
    }
  } finally {
    await file.close();
  }
  return out;
}

/** Values of [B, S, W] (flattened) where mask[b][s] is 1. */
export function maskedRows(data: ArrayLike<number>, mask: number[][], width: number): number[] {
  const out: number[] = [];
  const seq = mask[0]!.length;
  mask.forEach((row, b) => row.forEach((m, s) => {
    if (m === 1) for (let j = 0; j < width; j++) out.push(data[(b * seq + s) * width + j]!);
  }));
  return out;
}

/** Row `s` of each batch entry of [B, S, W] (flattened). */
export function positionRows(data: ArrayLike<number>, batch: number, seq: number, width: number, s: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) for (let j = 0; j < width; j++) out.push(data[(b * seq + s) * width + j]!);
  return out;
}

/** The (float64) argmax of one row. */
export function argmaxOf(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}
