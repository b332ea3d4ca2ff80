// measureCopyBandwidth on Dawn (lavapipe here): timed by timestamp queries, and by the wall clock on a device
// opened without 'timestamp-query'.
import { supportsCopyBandwidth } from '@cria/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebGpuBackend } from './backend.js';
import { MAX_COPIES_PER_SAMPLE, TARGET_SAMPLE_SECONDS, copiesPerSample } from './copy-bandwidth.js';

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await WebGpuBackend.create();
});
afterAll(() => gpu?.dispose());

/** Counts buffers the device creates and destroys while `run` runs. */
async function countingBuffers<T>(device: GPUDevice, run: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; created: number; destroyed: number }> {
  const original = device.createBuffer.bind(device);
  let created = 0;
  let destroyed = 0;
  device.createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    const buffer = original(descriptor);
    created++;
    const destroy = buffer.destroy.bind(buffer);
    buffer.destroy = () => {
      destroyed++;
      destroy();
    };
    return buffer;
  };
  try {
    return { result: await run(), error: undefined, created, destroyed };
  } catch (error) {
    return { result: undefined, error, created, destroyed };
  } finally {
    device.createBuffer = original;
  }
}

describe('WebGpuBackend.measureCopyBandwidth', () => {
  it('times copies with timestamp queries where the device has them, and destroys what it created', async () => {
    expect(supportsCopyBandwidth(gpu)).toBe(true);
    expect(gpu.timestampQuery).toBe(true); // lavapipe has 'timestamp-query'
    const { result, error, created, destroyed } = await countingBuffers(gpu.gpuDevice, () => gpu.measureCopyBandwidth(8 << 20, { repetitions: 4 }));
    expect(error).toBeUndefined();
    expect(result!.timer).toBe('device timestamps');
    expect(result!.bytes).toBe(8 << 20);
    expect(result!.repetitions).toBe(4);
    expect(Number.isFinite(result!.bytesPerSecond)).toBe(true);
    expect(result!.bytesPerSecond).toBeGreaterThan(1e7);
    expect(result!.bytesPerSecond).toBeLessThan(1e14);
    expect(created).toBeGreaterThanOrEqual(4); // source, destination, and a query-resolve and read-back buffer per timed submit
    expect(destroyed).toBe(created);
  });

  it('times a small copy in samples of many copies, so quantized timestamps still resolve it', async () => {
    // a 1 MiB copy takes far less than one 10 ms sample
    const result = await gpu.measureCopyBandwidth(1 << 20, { repetitions: 3 });
    expect(result.timer).toBe('device timestamps');
    expect(result.copiesPerSample).toBeGreaterThan(1);
    expect(result.copiesPerSample).toBeLessThanOrEqual(MAX_COPIES_PER_SAMPLE);
    expect(result.bytesPerSecond).toBeGreaterThan(1e7);
  });

  it('times copies by the wall clock on a device without timestamp-query', async () => {
    const plain = await WebGpuBackend.create({ useTimestampQuery: false });
    try {
      expect(plain.timestampQuery).toBe(false);
      const result = await plain.measureCopyBandwidth(16 << 20, { repetitions: 2 });
      expect(result.timer).toBe('wall clock');
      expect(result.bytes).toBe(16 << 20);
      expect(Number.isFinite(result.bytesPerSecond)).toBe(true);
      expect(result.bytesPerSecond).toBeGreaterThan(1e7);
    } finally {
      plain.dispose();
    }
  });

  // A units check, not a benchmark: a timestamp period or nanosecond/microsecond mistake is a factor of 1000. The
  // window is wide because lavapipe copies on the CPU cores other test files share while this one runs.
  it('the two timers agree within a factor of 30 on the same device (units are right)', async () => {
    const plain = await WebGpuBackend.create({ useTimestampQuery: false });
    try {
      const byTimestamps = await gpu.measureCopyBandwidth(64 << 20, { repetitions: 3 });
      const byClock = await plain.measureCopyBandwidth(64 << 20, { repetitions: 3 });
      const ratio = byTimestamps.bytesPerSecond / byClock.bytesPerSecond;
      expect(ratio).toBeGreaterThan(1 / 30);
      expect(ratio).toBeLessThan(30);
    } finally {
      plain.dispose();
    }
  });

  it('refuses bad bytes before creating anything, and a disposed backend', async () => {
    const { error, created } = await countingBuffers(gpu.gpuDevice, () => gpu.measureCopyBandwidth(6));
    expect(String(error)).toMatch(/measureCopyBandwidth: bytes must be a positive integer multiple of 4, got 6/);
    expect(created).toBe(0);
    await expect(gpu.measureCopyBandwidth(1024, { repetitions: 1.5 })).rejects.toThrow(/options\.repetitions must be a positive integer, got 1.5/);
    const other = await WebGpuBackend.create();
    other.dispose();
    await expect(other.measureCopyBandwidth(1024)).rejects.toThrow(/disposed/);
  });
});

describe('copiesPerSample', () => {
  it('doubles the copies until a sample lasts the target, up to the cap; null when the timer is unusable', async () => {
    const asked: number[] = [];
    const perCopy = TARGET_SAMPLE_SECONDS / 5; // 5 copies reach the target: 8 is the first power of two that does
    expect(await copiesPerSample(async (n) => (asked.push(n), n * perCopy))).toBe(8);
    expect(asked).toEqual([1, 2, 4, 8]);
    expect(await copiesPerSample(async () => 0)).toBe(MAX_COPIES_PER_SAMPLE);
    expect(await copiesPerSample(async () => 1)).toBe(1);
    expect(await copiesPerSample(async () => null)).toBeNull();
  });
});
