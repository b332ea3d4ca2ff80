// An optional backend capability: record the ops of one decode step once and replay them (CUDA graphs), so a
// step costs one launch instead of hundreds. Models use it when `supportsStepCapture(backend)` says so.
import type { AttentionOptions, Backend } from './backend.js';
import type { TypedArray } from './dtype.js';
import type { Tensor } from './tensor.js';

/** Recorded work: `replay()` re-runs it on the backend's stream; `dispose()` frees it. */
export interface CapturedStep {
  replay(): void;
  dispose(): void;
}

/**
 * What a backend offers to capture a decode step. While capturing, ops run nothing: they are recorded, and
 * the tensors they create belong to the capture and hold each replay's results. Scalars passed to ops are
 * baked in, so the step's position comes from device tensors (`kvWriteAt`, `attentionAt`) that the caller
 * rewrites with `write` before each replay. Uploads and reads are not allowed while capturing.
 */
export interface StepCapture {
  beginCapture(): void;
  endCapture(): CapturedStep;
  /** Overwrites an existing tensor with host data, in stream order (not while capturing). */
  write(tensor: Tensor, data: TypedArray): void;
  /** kvWrite with the offset read from `offset` (int32 [1]) when the work runs. */
  kvWriteAt(cache: Tensor, src: Tensor, offset: Tensor): void;
  /**
   * Decode attention (S < 16) with kvLength read from `options.kvLength` (int32 [1]) when the work runs; the
   * optional mask is [B, maxLength] (slots at or past kvLength are ignored).
   */
  attentionAt(q: Tensor, kCache: Tensor, vCache: Tensor, options: Omit<AttentionOptions, 'kvLength'> & { kvLength: Tensor }): Tensor;
}

const STEP_CAPTURE_METHODS = ['beginCapture', 'endCapture', 'write', 'kvWriteAt', 'attentionAt'] as const;

/** Whether `backend` can capture and replay a decode step. */
export function supportsStepCapture(backend: Backend): backend is Backend & StepCapture {
  const candidate = backend as Partial<Record<(typeof STEP_CAPTURE_METHODS)[number], unknown>>;
  return STEP_CAPTURE_METHODS.every((method) => typeof candidate[method] === 'function');
}
