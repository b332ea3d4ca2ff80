import { ArgumentError } from '@cria/core';
import { gpuSource } from './gpu-source.js';

/** What the backend asks of the adapter. */
export interface DeviceOptions {
  /** Use `shader-f16` for float16 weights when the adapter has it (default true). False: always unpack u32 pairs. */
  useShaderF16?: boolean;
  /** Ask for 'timestamp-query' when the adapter has it (default true), so measureCopyBandwidth times copies on the device. */
  useTimestampQuery?: boolean;
  /** Caps the bytes of one chunk of an uploaded tensor (default: the device's maxStorageBufferBindingSize). Tests lower it to exercise splitting. */
  maxBindingBytes?: number;
  /**
   * A device-memory budget for weights, in bytes (`Backend.memoryLimit`): `from_pretrained` refuses, before it
   * allocates any, weights that exceed it (WebGPU does not say how much memory an adapter has; a page or a user that
   * knows its budget sets it). Default: none.
   */
  memoryLimit?: number;
}

/** An opened device and what the kernels need to know about it. */
export interface OpenedDevice {
  device: GPUDevice;
  /** Whether f16 weights are read as `array<f16>` (shader-f16) rather than unpacked from u32 pairs. */
  shaderF16: boolean;
  /** Whether the device has 'timestamp-query' (measureCopyBandwidth then reads timestamps, not the host clock). */
  timestampQuery: boolean;
  /** The largest byte size of one binding (a multiple of 4): min(maxStorageBufferBindingSize, maxBufferSize). */
  maxBindingBytes: number;
  /** The size above which uploads are split into chunks: maxBindingBytes, or the smaller DeviceOptions.maxBindingBytes. */
  maxChunkBytes: number;
  /** A human-readable description of the adapter. */
  description: string;
  /** DeviceOptions.memoryLimit, checked. */
  memoryLimit?: number;
}

/** Finds an adapter. Throws an Error saying why there is none. */
export async function requestAdapter(): Promise<{ adapter: GPUAdapter; origin: string }> {
  const source = await gpuSource();
  let adapter: GPUAdapter | null;
  try {
    adapter = await source.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    throw new Error(`${source.origin}: requestAdapter failed: ${(error as Error).message}`);
  }
  if (!adapter) {
    throw new Error(
      `${source.origin}: no WebGPU adapter (in Node on Linux, Dawn needs a Vulkan driver: e.g. Mesa's lavapipe, mesa-vulkan-drivers from bookworm-backports)`,
    );
  }
  return { adapter, origin: source.origin };
}

const SOFTWARE_ADAPTERS = /lavapipe|llvmpipe|swiftshader|software rasterizer|microsoft basic render/i;

/**
 * Why `adapter` is a software rasteriser (Mesa's lavapipe / llvmpipe, SwiftShader, WARP), or null for hardware:
 * its isFallbackAdapter flag, else its vendor, architecture, device or description.
 */
export function softwareAdapter(adapter: GPUAdapter): string | null {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo; isFallbackAdapter?: boolean }).info;
  const fallback = (info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined)?.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const words = [info?.vendor, info?.architecture, info?.device, info?.description].filter((w) => w).join(' ');
  if (fallback) return `the adapter is a fallback (software) adapter${words ? ` (${words})` : ''}`;
  return SOFTWARE_ADAPTERS.test(words) ? `the adapter is a software rasteriser (${words})` : null;
}

/** Opens a device with the limits the kernels use (the adapter's largest buffers and bindings). */
export async function openDevice(options: DeviceOptions = {}): Promise<OpenedDevice> {
  if (options.memoryLimit !== undefined && (!Number.isSafeInteger(options.memoryLimit) || options.memoryLimit <= 0)) {
    throw new ArgumentError(`webgpu: memoryLimit must be a positive whole number of bytes, got ${String(options.memoryLimit)}`);
  }
  const { adapter, origin } = await requestAdapter();
  const shaderF16 = (options.useShaderF16 ?? true) && adapter.features.has('shader-f16');
  const timestampQuery = (options.useTimestampQuery ?? true) && adapter.features.has('timestamp-query');
  const limits = adapter.limits;
  const requiredFeatures: GPUFeatureName[] = [];
  if (shaderF16) requiredFeatures.push('shader-f16');
  if (timestampQuery) requiredFeatures.push('timestamp-query');
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: Math.min(limits.maxStorageBuffersPerShaderStage, 10),
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: Math.min(limits.maxComputeInvocationsPerWorkgroup, 256),
      maxComputeWorkgroupSizeX: Math.min(limits.maxComputeWorkgroupSizeX, 256),
    },
  });
  const deviceLimit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const maxBindingBytes = deviceLimit - (deviceLimit % 4);
  let maxChunkBytes = maxBindingBytes;
  if (options.maxBindingBytes !== undefined) maxChunkBytes = Math.min(maxChunkBytes, options.maxBindingBytes - (options.maxBindingBytes % 4));
  const info = adapter.info;
  const name = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => s).join(' ');
  const memoryLimit = options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit };
  return { device, shaderF16, timestampQuery, maxBindingBytes, maxChunkBytes, description: `${origin}: ${name || 'unnamed adapter'}`, ...memoryLimit };
}
