// A CPU backend that records what generate() reads back and how many rows reach the LM head.
import type { Tensor, TypedArray } from '@cria/core';
import { CpuBackend } from '@cria/kernels-cpu';

export class SpyBackend extends CpuBackend {
  /** Bytes of each read, in order. */
  readonly reads: number[] = [];
  /** Rows (product of leading dimensions) of each linear whose weight has `watchedOutFeatures` rows. */
  readonly watchedLinearRows: number[] = [];
  watchedOutFeatures = -1;

  override async read(tensor: Tensor): Promise<TypedArray> {
    const data = await super.read(tensor);
    this.reads.push(data.byteLength);
    return data;
  }

  override linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
    if (weight.shape[0] === this.watchedOutFeatures) this.watchedLinearRows.push(x.size / x.shape[x.shape.length - 1]!);
    return super.linear(x, weight, bias);
  }

  reset(): void {
    this.reads.length = 0;
    this.watchedLinearRows.length = 0;
  }
}
