// An optional backend capability: measure how fast the device copies memory to itself. `cria bench` divides it by
// the bytes of weights a decode step reads to state the memory-bandwidth bound of decoding.
import type { Backend } from './backend.js';
import { ArgumentError } from './errors.js';

/** The result of one copy-bandwidth measurement. */
export interface CopyBandwidth {
  /**
   * Bytes read plus bytes written per second by a device-to-device copy: 2 × `bytes` / the median time of one
   * copy. (A copy reads its source once and writes its destination once; a decode step that only reads its
   * weights moves them at about this rate.)
   */
  bytesPerSecond: number;
  /** The size of one copy in bytes (may be less than asked where the device limits one buffer: see the backend). */
  bytes: number;
  /** Timed samples after one untimed warm-up copy; the median sample gives the rate. */
  repetitions: number;
  /**
   * Copies each sample times back to back (a sample's time / this = one copy's time). 1 where the timer resolves
   * one copy; more where it is coarse (WebGPU timestamps are quantized by browsers and Dawn).
   */
  copiesPerSample: number;
  /** How the copies were timed: events or timestamps on the device's queue, or host wall clock. */
  timer: 'device events' | 'device timestamps' | 'wall clock';
}

/** Options of `measureCopyBandwidth`. */
export interface CopyBandwidthOptions {
  /** Timed samples (default DEFAULT_COPY_REPETITIONS); the median is reported. */
  repetitions?: number;
}

/** Timed samples when not told otherwise. */
export const DEFAULT_COPY_REPETITIONS = 10;

/**
 * What a backend offers to measure its copy bandwidth: it allocates two buffers of `bytes` on its device, copies
 * one to the other once untimed (warm-up), then times `repetitions` samples of `copiesPerSample` copies each; it
 * frees both buffers (also when it fails) and reports 2 × bytes / the median seconds per copy. `bytes` must be a positive integer multiple of 4
 * (WebGPU copies whole 32-bit words).
 */
export interface CopyBandwidthMeasure {
  measureCopyBandwidth(bytes: number, options?: CopyBandwidthOptions): Promise<CopyBandwidth>;
}

/** Whether `backend` can measure its device-to-device copy bandwidth. */
export function supportsCopyBandwidth(backend: Backend): backend is Backend & CopyBandwidthMeasure {
  return typeof (backend as Partial<CopyBandwidthMeasure>).measureCopyBandwidth === 'function';
}

/** Checks the arguments of `measureCopyBandwidth`; returns the repetitions to time. Throws ArgumentError naming the bad one. */
export function checkCopyBandwidthArgs(bytes: unknown, options: CopyBandwidthOptions | undefined): number {
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes <= 0 || bytes % 4 !== 0) {
    throw new ArgumentError(`measureCopyBandwidth: bytes must be a positive integer multiple of 4, got ${String(bytes)}`);
  }
  const repetitions = options?.repetitions ?? DEFAULT_COPY_REPETITIONS;
  if (!Number.isSafeInteger(repetitions) || repetitions < 1) {
    throw new ArgumentError(`measureCopyBandwidth: options.repetitions must be a positive integer, got ${String(repetitions)}`);
  }
  return repetitions;
}

/**
 * 2 × `bytes` / the median of `seconds` (the time of each timed copy). Throws when the median is not a positive
 * finite time (a timer too coarse for the size: measure more bytes).
 */
export function copyBytesPerSecond(bytes: number, seconds: readonly number[]): number {
  if (seconds.length === 0) throw new ArgumentError('copyBytesPerSecond: no timed copies');
  const time = median(seconds);
  if (!Number.isFinite(time) || time <= 0) {
    throw new ArgumentError(`copyBytesPerSecond: the median copy of ${bytes} bytes took ${time} s, below the timer's resolution; measure more bytes`);
  }
  return (2 * bytes) / time;
}

/** The median of timed samples (the mean of the middle two for an even count; NaN for none). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
