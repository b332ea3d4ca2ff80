import {
  type BackendName,
  type CopyBandwidth,
  type CopyBandwidthMeasure,
  type CopyBandwidthOptions,
  type OpInput,
  type OpName,
  OpContract,
  type OpSignatures,
  type Tensor,
  type TypedArray,
  dtypeArrayLength,
} from '@cria/core';
import { measureHostCopyBandwidth } from './copy-bandwidth.js';

/**
 * What both cpu backends share: tensors in host memory (typed arrays), work done when called (no queue, so
 * `synchronize` waits for nothing), the op contract of @cria/core, host-memory copy bandwidth.
 */
export abstract class HostBackend implements CopyBandwidthMeasure {
  abstract readonly name: BackendName;
  protected readonly ops: OpContract;

  /** `holds(t, backend)`: whether this backend's kernels read `t`; `signatures`: the op table (default OP_SIGNATURES). */
  constructor(holds: (t: Tensor, backend: HostBackend) => boolean, signatures?: OpSignatures) {
    this.ops = new OpContract(this, { holds: (t) => holds(t, this), ...(signatures ? { signatures } : {}) });
  }

  supports(op: OpName, inputs: readonly OpInput[]): boolean {
    return this.ops.supports(op, inputs);
  }

  async read(tensor: Tensor): Promise<TypedArray> {
    const t = this.ops.tensor('read', 'tensor', tensor);
    return this.data(t).slice() as TypedArray;
  }

  async synchronize(): Promise<void> {
    this.ops.assertOpen();
  }

  /** Host-memory copy bandwidth (TypedArray.prototype.set between two buffers; see CopyBandwidthMeasure). */
  async measureCopyBandwidth(bytes: number, options?: CopyBandwidthOptions): Promise<CopyBandwidth> {
    this.ops.assertOpen();
    return measureHostCopyBandwidth(bytes, options);
  }

  /** The elements of `t` (a block format's bytes; its storage may be longer: a view of part of it). */
  protected data(t: Tensor): TypedArray {
    const data = t.storage.handle as TypedArray;
    const length = dtypeArrayLength(t.dtype, t.shape);
    return data.length === length ? data : (data.subarray(0, length) as TypedArray);
  }
}
