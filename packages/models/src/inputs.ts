// Turning forward()/generate() arguments (nested arrays or Tensors) into checked host rows.
import { ArgumentError, Tensor } from '@cria/core';

export type IntRows = number[][];
export type IntInput = number[][] | number[] | Tensor;

/** A rectangular matrix of integers from number[][], number[] (one row) or a Tensor [B, S]. */
export async function toIntRows(value: IntInput, name: string): Promise<IntRows> {
  let rows: unknown;
  if (value instanceof Tensor) {
    if (value.shape.length !== 2 && value.shape.length !== 1) throw new ArgumentError(`'${name}' must be a tensor [batch, sequence], got [${value.shape.join(', ')}]`);
    const list = await value.tolist();
    rows = value.shape.length === 1 ? [list] : list;
  } else if (Array.isArray(value) && value.length > 0 && !Array.isArray(value[0])) {
    rows = [value];
  } else {
    rows = value;
  }
  if (!Array.isArray(rows) || rows.length === 0) throw new ArgumentError(`'${name}' must be a non-empty number[][] or a Tensor [batch, sequence]`);
  const width = (rows[0] as unknown[]).length;
  rows.forEach((row: unknown, i) => {
    if (!Array.isArray(row)) throw new ArgumentError(`'${name}[${i}]' must be an array of integers`);
    if (row.length !== width) throw new ArgumentError(`'${name}' rows must have equal lengths: row 0 has ${width}, row ${i} has ${row.length} (pad them and pass attention_mask)`);
    row.forEach((x: unknown, j) => {
      if (typeof x !== 'number' || !Number.isInteger(x)) throw new ArgumentError(`'${name}[${i}][${j}]' must be an integer, got ${String(x)}`);
    });
  });
  return rows as IntRows;
}

/** The rows flattened into an Int32Array. */
export function flattenInt32(rows: IntRows): Int32Array {
  const width = rows[0]?.length ?? 0;
  const out = new Int32Array(rows.length * width);
  rows.forEach((row, i) => out.set(row, i * width));
  return out;
}

/** transformers' generate(): position_ids = cumsum(mask) - 1, with 1 where the mask is 0. */
export function positionsFromMask(mask: IntRows): IntRows {
  return mask.map((row) => {
    let sum = 0;
    return row.map((m) => {
      sum += m;
      return m === 0 ? 1 : sum - 1;
    });
  });
}

/** Throws unless every id is in [0, vocabSize). */
export function checkVocabulary(rows: IntRows, vocabSize: number): void {
  for (const row of rows) {
    for (const id of row) {
      if (id < 0 || id >= vocabSize) throw new ArgumentError(`input_ids holds ${id}, outside the vocabulary [0, ${vocabSize})`);
    }
  }
}

/** position_ids as given (checked to be [batch, seqLength]), or offset .. offset + seqLength - 1 for every row. */
export async function positionRows(given: IntInput | undefined, batch: number, seqLength: number, offset: number): Promise<IntRows> {
  if (given === undefined) return Array.from({ length: batch }, () => Array.from({ length: seqLength }, (_, i) => offset + i));
  const rows = await toIntRows(given, 'position_ids');
  if (rows.length !== batch || rows[0]!.length !== seqLength) {
    throw new ArgumentError(`position_ids must be [${batch}, ${seqLength}], got [${rows.length}, ${rows[0]!.length}]`);
  }
  return rows;
}

/**
 * attention_mask [batch, kvLength] (past + new tokens) of 0/1 as float32 for the attention op, or null when every
 * entry is 1 (nothing to hide).
 */
export async function maskTable(given: IntInput, batch: number, kvLength: number): Promise<Float32Array | null> {
  const rows = await toIntRows(given, 'attention_mask');
  if (rows.length !== batch || rows[0]!.length !== kvLength) {
    throw new ArgumentError(`attention_mask must be [${batch}, ${kvLength}] (past + new tokens), got [${rows.length}, ${rows[0]!.length}]`);
  }
  if (rows.every((row) => row.every((m) => m === 1))) return null;
  const data = new Float32Array(batch * kvLength);
  rows.forEach((row, i) => row.forEach((m, j) => {
    if (m !== 0 && m !== 1) throw new ArgumentError(`attention_mask[${i}][${j}] must be 0 or 1, got ${m}`);
    data[i * kvLength + j] = m;
  }));
  return data;
}
