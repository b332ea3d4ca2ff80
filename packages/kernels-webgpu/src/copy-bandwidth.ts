// Buffer-to-buffer copy bandwidth of a GPUDevice: copyBufferToBuffer between two buffers, timed by timestamp
// queries where the device has 'timestamp-query', else by the host clock around onSubmittedWorkDone.
import { type CopyBandwidth, type CopyBandwidthOptions, CriaError, checkCopyBandwidthArgs, copyBytesPerSecond } from '@cria/core';
import { BufferUsage, MapMode } from './gpu-flags.js';

/** GPUQueryUsage isn't a global in Dawn for Node; QUERY_RESOLVE is fixed by the spec. */
const QUERY_RESOLVE = 0x0200;

/** Bytes one wall-clock submission copies at least (so the submit's fixed cost is small against it). */
const WALL_CLOCK_BATCH_BYTES = 256 << 20;

/**
 * Copies a `bytes`-byte buffer into another: once untimed (the warm-up, which also lets the device clear the new
 * buffers), then `repetitions` timed copies. `bytes` is capped at the device's maxBufferSize (rounded down to a
 * multiple of 4); the result says the size measured.
 *
 * - With `timestamps` (the device was created with 'timestamp-query'): one command buffer holds the copies with an
 *   empty compute pass writing a timestamp before the first and after each copy; each copy's time is the span
 *   between its two timestamps. Falls back to the wall clock if the timestamps do not increase (an implementation
 *   may report them as zero).
 * - Wall clock: each repetition submits a batch of N copies and then 2N copies, each waited for with
 *   onSubmittedWorkDone; (time of 2N − time of N) / N is one copy's time, so the fixed cost of a submit and its wait
 *   cancels out. N makes a batch at least 256 MiB.
 *
 * The buffers, query set and read-back buffers are destroyed before it returns or throws. GPU validation and
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
  const track = <T extends { destroy(): void }>(resource: T): T => (created.push(resource), resource);
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let result: CopyBandwidth | undefined;
  let failure: unknown;
  try {
    const usage = BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
    const source = track(device.createBuffer({ label: 'copy bandwidth source', size, usage }));
    const destination = track(device.createBuffer({ label: 'copy bandwidth destination', size, usage }));
    const copies = (n: number): GPUCommandBuffer => {
      const encoder = device.createCommandEncoder();
      for (let i = 0; i < n; i++) encoder.copyBufferToBuffer(source, 0, destination, 0, size);
      return encoder.finish();
    };
    device.queue.submit([copies(1)]);
    await device.queue.onSubmittedWorkDone();
    const seconds = timestamps ? await timestampedCopies(device, track, source, destination, size, repetitions) : null;
    result = seconds
      ? { bytesPerSecond: copyBytesPerSecond(size, seconds), bytes: size, repetitions, timer: 'device timestamps' }
      : { bytesPerSecond: copyBytesPerSecond(size, await wallClockCopies(device, copies, size, repetitions)), bytes: size, repetitions, timer: 'wall clock' };
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

/** Seconds of each copy from timestamps around it, or null when the timestamps do not increase. */
async function timestampedCopies(
  device: GPUDevice,
  track: <T extends { destroy(): void }>(resource: T) => T,
  source: GPUBuffer,
  destination: GPUBuffer,
  size: number,
  repetitions: number,
): Promise<number[] | null> {
  const count = repetitions + 1;
  const querySet = track(device.createQuerySet({ type: 'timestamp', count }));
  const resolved = track(device.createBuffer({ size: count * 8, usage: QUERY_RESOLVE | BufferUsage.COPY_SRC }));
  const readback = track(device.createBuffer({ size: count * 8, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST }));
  const encoder = device.createCommandEncoder();
  const mark = (index: number): void => encoder.beginComputePass({ timestampWrites: { querySet, endOfPassWriteIndex: index } }).end();
  mark(0);
  for (let r = 0; r < repetitions; r++) {
    encoder.copyBufferToBuffer(source, 0, destination, 0, size);
    mark(r + 1);
  }
  encoder.resolveQuerySet(querySet, 0, count, resolved, 0);
  encoder.copyBufferToBuffer(resolved, 0, readback, 0, count * 8);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(MapMode.READ);
  const ticks = new BigUint64Array(readback.getMappedRange().slice(0));
  readback.unmap();
  const seconds: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const nanoseconds = ticks[r + 1]! - ticks[r]!;
    if (nanoseconds <= 0n) return null;
    seconds.push(Number(nanoseconds) / 1e9);
  }
  return seconds;
}

/** Seconds of one copy per repetition: (wall time of 2N copies − of N copies) / N. */
async function wallClockCopies(device: GPUDevice, copies: (n: number) => GPUCommandBuffer, size: number, repetitions: number): Promise<number[]> {
  const batch = Math.max(1, Math.ceil(WALL_CLOCK_BATCH_BYTES / size));
  const timed = async (n: number): Promise<number> => {
    const commands = copies(n);
    const start = performance.now();
    device.queue.submit([commands]);
    await device.queue.onSubmittedWorkDone();
    return (performance.now() - start) / 1000;
  };
  const seconds: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const single = await timed(batch);
    const double = await timed(2 * batch);
    seconds.push((double - single) / batch);
  }
  return seconds;
}
