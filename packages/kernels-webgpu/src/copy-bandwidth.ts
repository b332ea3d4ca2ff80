// Buffer-to-buffer copy bandwidth of a GPUDevice: copyBufferToBuffer between two buffers, timed by timestamp
// queries where the device has 'timestamp-query', else by the host clock around onSubmittedWorkDone.
import { type CopyBandwidth, type CopyBandwidthOptions, CriaError, checkCopyBandwidthArgs, copyBytesPerSecond, median } from '@cria/core';
import { BufferUsage, MapMode } from './gpu-flags.js';

/** GPUQueryUsage isn't a global in Dawn for Node; QUERY_RESOLVE is fixed by the spec. */
const QUERY_RESOLVE = 0x0200;

/**
 * How long one timed sample should last. Timestamps are quantized (Dawn masks the low 16 bits: 65.5 µs steps;
 * browsers use 100 µs) and a submit's wait costs tens of µs, so a sample of 10 ms errs by about 1 %.
 */
export const TARGET_SAMPLE_SECONDS = 0.01;
/** The most copies one sample holds (a tiny buffer may then be below the timer's resolution: measure more bytes). */
export const MAX_COPIES_PER_SAMPLE = 4096;

type Track = <T extends { destroy(): void }>(resource: T) => T;

/**
 * Copies a `bytes`-byte buffer into another: once untimed (the warm-up, which also lets the device clear the new
 * buffers), then `repetitions` timed samples of N back-to-back copies, N doubled from 1 until one sample lasts
 * TARGET_SAMPLE_SECONDS (at most MAX_COPIES_PER_SAMPLE). `bytes` is capped at the device's maxBufferSize (rounded
 * down to a multiple of 4); the result says the size measured.
 *
 * - With `timestamps` (the device was created with 'timestamp-query'): empty compute passes write a timestamp
 *   before each sample's first copy and after its last; a sample's time is the span between them. Falls back to
 *   the wall clock if the timestamps go backwards or never advance (an implementation may report zeros).
 * - Wall clock: each sample submits N copies and waits (onSubmittedWorkDone); the fixed cost of a submit and its
 *   wait, the least of five empty submits, is taken off. (A difference of two timed runs, 2N copies less N, went
 *   negative on a busy machine: noise only adds time, so the least empty submit is the robust estimate.)
 *
 * The buffers, query sets and read-back buffers are destroyed before it returns or throws. GPU validation and
 * out-of-memory errors (a buffer the device cannot allocate) are caught in error scopes and thrown as CriaError.
 */
export async function measureGpuCopyBandwidth(
  device: GPUDevice,
  timestamps: boolean,
  bytes: number,
  options?: CopyBandwidthOptions,
): Promise<CopyBandwidth> {
  const repetitions = checkCopyBandwidthArgs(bytes, options);
  const limit = device.limits.maxBufferSize - (device.limits.maxBufferSize % 4);
  const size = Math.min(bytes, limit);
  const created: { destroy(): void }[] = [];
  const track: Track = (resource) => (created.push(resource), resource);
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let result: CopyBandwidth | undefined;
  let failure: unknown;
  try {
    const usage = BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
    const source = track(device.createBuffer({ label: 'copy bandwidth source', size, usage }));
    const destination = track(device.createBuffer({ label: 'copy bandwidth destination', size, usage }));
    const copy = (encoder: GPUCommandEncoder): void => encoder.copyBufferToBuffer(source, 0, destination, 0, size);
    await wallClockSeconds(device, copy, 1); // warm-up
    if (timestamps) {
      const spans = (n: number, samples: number) => timestampSpans(device, track, copy, n, samples);
      const copies = await copiesPerSample(async (n) => (await spans(n, 1))?.[0] ?? null);
      const samples = copies === null ? null : await spans(copies, repetitions);
      if (copies !== null && samples !== null && median(samples) > 0) {
        result = summary(size, samples, copies, repetitions, 'device timestamps');
      }
    }
    if (!result) {
      const copies = (await copiesPerSample((n) => wallClockSeconds(device, copy, n)))!;
      let overhead = Infinity;
      for (let i = 0; i < 5; i++) overhead = Math.min(overhead, await wallClockSeconds(device, copy, 0));
      const samples: number[] = [];
      for (let r = 0; r < repetitions; r++) samples.push((await wallClockSeconds(device, copy, copies)) - overhead);
      result = summary(size, samples, copies, repetitions, 'wall clock');
    }
  } catch (error) {
    failure = error;
  } finally {
    const outOfMemory = await device.popErrorScope();
    const invalid = await device.popErrorScope();
    for (const resource of created) resource.destroy();
    const gpuError = outOfMemory ?? invalid;
    if (gpuError) failure = new CriaError(`webgpu: measuring the copy bandwidth of ${size} bytes failed: ${gpuError.message}`, { cause: failure });
  }
  if (failure !== undefined || !result) throw failure;
  return result;
}

function summary(size: number, sampleSeconds: number[], copies: number, repetitions: number, timer: CopyBandwidth['timer']): CopyBandwidth {
  const perCopy = sampleSeconds.map((s) => s / copies);
  return { bytesPerSecond: copyBytesPerSecond(size, perCopy), bytes: size, repetitions, copiesPerSample: copies, timer };
}

/**
 * The copies one sample needs to last TARGET_SAMPLE_SECONDS by `time(n)` (seconds of n copies, or null when the
 * timer is unusable), doubling from 1 up to MAX_COPIES_PER_SAMPLE; null when `time` gave null.
 */
export async function copiesPerSample(time: (copies: number) => Promise<number | null>): Promise<number | null> {
  for (let n = 1; ; n *= 2) {
    const seconds = await time(n);
    if (seconds === null) return null;
    if (seconds >= TARGET_SAMPLE_SECONDS || n >= MAX_COPIES_PER_SAMPLE) return Math.min(n, MAX_COPIES_PER_SAMPLE);
  }
}

/** Seconds from submitting `n` copies to onSubmittedWorkDone. */
async function wallClockSeconds(device: GPUDevice, copy: (encoder: GPUCommandEncoder) => void, n: number): Promise<number> {
  const encoder = device.createCommandEncoder();
  for (let i = 0; i < n; i++) copy(encoder);
  const commands = encoder.finish();
  const start = performance.now();
  device.queue.submit([commands]);
  await device.queue.onSubmittedWorkDone();
  return (performance.now() - start) / 1000;
}

/** Seconds of each of `samples` runs of `n` copies, from timestamps around them; null when they go backwards. */
async function timestampSpans(device: GPUDevice, track: Track, copy: (encoder: GPUCommandEncoder) => void, n: number, samples: number): Promise<number[] | null> {
  const count = samples + 1;
  const querySet = track(device.createQuerySet({ type: 'timestamp', count }));
  const resolved = track(device.createBuffer({ size: count * 8, usage: QUERY_RESOLVE | BufferUsage.COPY_SRC }));
  const readback = track(device.createBuffer({ size: count * 8, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST }));
  const encoder = device.createCommandEncoder();
  const mark = (index: number): void => encoder.beginComputePass({ timestampWrites: { querySet, endOfPassWriteIndex: index } }).end();
  mark(0);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < n; i++) copy(encoder);
    mark(s + 1);
  }
  encoder.resolveQuerySet(querySet, 0, count, resolved, 0);
  encoder.copyBufferToBuffer(resolved, 0, readback, 0, count * 8);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(MapMode.READ);
  const ticks = new BigUint64Array(readback.getMappedRange().slice(0));
  readback.unmap();
  const seconds: number[] = [];
  for (let s = 0; s < samples; s++) {
    const nanoseconds = ticks[s + 1]! - ticks[s]!;
    if (nanoseconds < 0n) return null;
    seconds.push(Number(nanoseconds) / 1e9);
  }
  return seconds;
}
