import { BufferUsage } from './gpu-flags.js';

/** Dispatches recorded before the batch is submitted on its own. */
const MAX_DISPATCHES = 1024;
/** Bind groups kept for reuse; past this many the cache starts over. */
const MAX_CACHED_BIND_GROUPS = 8192;

/** Uniform parameters of one dispatch: 32-bit fields in WGSL struct order. */
export type ParamField = { u32: number } | { i32: number } | { f32: number };

/**
 * Records the work of many ops into one command encoder and submits it only when something must
 * wait (a read-back, an upload into a recycled buffer, `synchronize`) or the batch is full. The
 * uniform parameters of all dispatches of a batch share one buffer, written just before submit.
 */
export class CommandBatch {
  readonly #device: GPUDevice;
  readonly #slotBytes: number;
  readonly #paramsBuffer: GPUBuffer;
  readonly #paramsHost: ArrayBuffer;
  readonly #paramsView: DataView;
  // Bind groups are cached by (pipeline, parameter slot, buffers): a decode step records the same
  // dispatches into the same slots over the same pooled buffers each time, so after the first step
  // it creates none (createBindGroup is the costliest call of a dispatch).
  readonly #layouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();
  readonly #ids = new WeakMap<object, number>();
  #nextId = 1;
  #bindGroups = new Map<string, GPUBindGroup>();
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #dispatches = 0;
  #dispatchesRecorded = 0;
  #submits = 0;
  #bindGroupsCreated = 0;

  readonly #afterSubmit: () => void;

  /** `afterSubmit` runs after each submit (the backend destroys buffers released while the batch was recorded). */
  constructor(device: GPUDevice, afterSubmit: () => void = () => {}) {
    this.#device = device;
    this.#afterSubmit = afterSubmit;
    this.#slotBytes = Math.max(256, device.limits.minUniformBufferOffsetAlignment);
    const bytes = this.#slotBytes * MAX_DISPATCHES;
    this.#paramsBuffer = device.createBuffer({ size: bytes, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
    this.#paramsHost = new ArrayBuffer(bytes);
    this.#paramsView = new DataView(this.#paramsHost);
  }

  /** Bind groups created so far (a repeated decode step creates none). */
  get bindGroupsCreated(): number {
    return this.#bindGroupsCreated;
  }

  /** Dispatches recorded so far (a fused op shows here as one dispatch fewer per use). */
  get dispatches(): number {
    return this.#dispatchesRecorded;
  }

  /** Command buffers submitted so far. */
  get submits(): number {
    return this.#submits;
  }

  /**
   * Records one dispatch. Binding 0 is the uniform parameters (when `params` is non-empty); the
   * storage buffers follow at bindings 1, 2, ... in the order given.
   */
  dispatch(pipeline: GPUComputePipeline, params: readonly ParamField[], buffers: readonly GPUBufferBinding[], groups: readonly [number, number, number]): void {
    if (this.#dispatches === MAX_DISPATCHES) this.flush();
    const offset = this.#dispatches * this.#slotBytes;
    const paramBytes = Math.ceil((params.length * 4) / 16) * 16;
    params.forEach((field, i) => {
      const at = offset + i * 4;
      if ('u32' in field) this.#paramsView.setUint32(at, field.u32, true);
      else if ('i32' in field) this.#paramsView.setInt32(at, field.i32, true);
      else this.#paramsView.setFloat32(at, field.f32, true);
    });
    let key = `${this.#id(pipeline)}:${params.length > 0 ? offset : '-'}`;
    for (const binding of buffers) key += `:${this.#id(binding.buffer)}`;
    let bindGroup = this.#bindGroups.get(key);
    if (!bindGroup) {
      const entries: GPUBindGroupEntry[] = [];
      if (params.length > 0) entries.push({ binding: 0, resource: { buffer: this.#paramsBuffer, offset, size: paramBytes } });
      buffers.forEach((resource, i) => entries.push({ binding: i + 1, resource }));
      bindGroup = this.#device.createBindGroup({ layout: this.#layout(pipeline), entries });
      this.#bindGroupsCreated++;
      if (this.#bindGroups.size >= MAX_CACHED_BIND_GROUPS) this.#bindGroups = new Map();
      this.#bindGroups.set(key, bindGroup);
    }
    const pass = this.#computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.#dispatches++;
    this.#dispatchesRecorded++;
  }

  /** Records a fill with zeros. */
  clear(buffer: GPUBuffer, offset: number, size: number): void {
    this.#endPass();
    this.#commandEncoder().clearBuffer(buffer, offset, size);
  }

  /** Records a buffer-to-buffer copy. */
  copy(source: GPUBuffer, sourceOffset: number, destination: GPUBuffer, destinationOffset: number, size: number): void {
    this.#endPass();
    this.#commandEncoder().copyBufferToBuffer(source, sourceOffset, destination, destinationOffset, size);
  }

  /** Submits what was recorded (nothing when empty). */
  flush(): void {
    if (!this.#encoder) return;
    this.#endPass();
    if (this.#dispatches > 0) {
      this.#device.queue.writeBuffer(this.#paramsBuffer, 0, this.#paramsHost, 0, this.#dispatches * this.#slotBytes);
    }
    this.#device.queue.submit([this.#encoder.finish()]);
    this.#encoder = null;
    this.#dispatches = 0;
    this.#submits++;
    this.#afterSubmit();
  }

  destroy(): void {
    this.#encoder = null;
    this.#pass = null;
    this.#paramsBuffer.destroy();
  }

  /** Forgets cached bind groups (call when buffers they name are destroyed). */
  forgetBindGroups(): void {
    this.#bindGroups = new Map();
  }

  #id(object: object): number {
    let id = this.#ids.get(object);
    if (id === undefined) this.#ids.set(object, (id = this.#nextId++));
    return id;
  }

  #layout(pipeline: GPUComputePipeline): GPUBindGroupLayout {
    let layout = this.#layouts.get(pipeline);
    if (!layout) this.#layouts.set(pipeline, (layout = pipeline.getBindGroupLayout(0)));
    return layout;
  }

  #commandEncoder(): GPUCommandEncoder {
    this.#encoder ??= this.#device.createCommandEncoder();
    return this.#encoder;
  }

  #computePass(): GPUComputePassEncoder {
    this.#pass ??= this.#commandEncoder().beginComputePass();
    return this.#pass;
  }

  #endPass(): void {
    if (this.#pass) {
      this.#pass.end();
      this.#pass = null;
    }
  }
}
