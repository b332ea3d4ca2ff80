import type { DType, OpName } from '@cria/core';

/** What an op needs beyond its input tensors, and how the inputs are generated. */
export interface OpParams {
  /** rmsNorm epsilon. */
  eps?: number;
  /** topk k. */
  k?: number;
  /** kvWrite slot offset. */
  offset?: number;
  /** rope / attention head layout. */
  numHeads?: number;
  numKvHeads?: number;
  headDim?: number;
  /** attention: valid cache slots (queries sit at the last S of them) and the q·k scale. */
  kvLength?: number;
  scale?: number;
  /** attention: per batch row, the number of leading (left-padding) mask zeros. */
  maskLeadingZeros?: readonly number[];
  /** attention: per batch row, extra masked slots (holes) anywhere in [0, kvLength). */
  maskHoles?: readonly (readonly number[])[];
  /** rope: inverse frequencies 1 / theta^(2i / headDim), the first position of each row, cos/sin scale. */
  ropeTheta?: number;
  firstPositions?: readonly number[];
  attentionScaling?: number;
  /** Amplitude of the uniform float inputs (default 1). */
  amplitude?: number;
}

/**
 * One row of the conformance table: an op, named input shapes, the input dtypes in the op's
 * argument order (what `supports(op, dtypes)` is asked; cast lists [from, to]), parameters, and the
 * largest accepted error ‖a−b‖/‖b‖ (0: must be exact; index and raw-bit outputs are always compared exactly).
 */
export interface OpCase {
  op: OpName;
  name: string;
  shapes: Readonly<Record<string, readonly number[]>>;
  dtypes: readonly DType[];
  params: OpParams;
  bound: number;
}
