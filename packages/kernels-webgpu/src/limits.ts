// The WebGPU backend's device limits, answered by `supports` for TensorSpecs and checked by every op: what one storage
// binding holds, which inputs may be split across buffers, what one dispatch dimension reaches.
import { dtypeByteLength, OP_SIGNATURES, type OpLimit, type OpName, type TensorSpec, Tensor, describeSpec, specSize } from '@cria/core';
import { gpuData } from './gpu-data.js';
import { MATVEC_MAX_ROWS, TILE } from './kernels/linear-sources.js';

/** The inputs (by position) an op reads chunk by chunk, so they may be split across buffers: the weights. */
const SPLIT_INPUTS: Partial<Record<OpName, (i: number) => boolean>> = {
  embedding: (i) => i === 0,
  linear: (i) => i === 1,
  linearSiluMul: (i) => i === 1 || i === 2,
};

const bytes = (t: TensorSpec): number => dtypeByteLength(t.dtype, t.shape);
const f32 = (shape: readonly number[]): TensorSpec => ({ dtype: 'float32', shape });

/** The outputs of an op whose size its inputs do not bound (attentionWeights without a mask: kvLength at its maxLength bound). */
function estimatedOutputs(op: OpName, inputs: readonly TensorSpec[]): TensorSpec[] {
  const [x, second] = inputs;
  if (!x || !second) return [];
  const lead = x.shape.slice(0, -1);
  switch (op) {
    case 'embedding':
      return [f32([...second.shape, x.shape[1] ?? 0])];
    case 'linear':
    case 'linearSiluMul':
      return [f32([...lead, second.shape[0] ?? 0])];
    case 'attentionWeights': {
      const [batch = 0, seq = 0, width = 0] = x.shape;
      const headDim = second.shape[3] ?? 1;
      const kvLength = inputs[2]?.shape[1] ?? second.shape[2] ?? 0;
      return [f32([batch, headDim === 0 ? 0 : width / headDim, seq, kvLength])];
    }
    default:
      return [];
  }
}

/** The rows of x a linear-family op projects, and its K (x's last dimension). */
function projection(op: OpName, inputs: readonly TensorSpec[]): { rows: number; k: number; ms: number[] } | null {
  if (op !== 'linear' && op !== 'linearSiluMul' && op !== 'linearMany') return null;
  const x = inputs[0]!;
  const k = x.shape.at(-1) ?? 0;
  const weights = op === 'linearMany' ? inputs.slice(1).filter((w) => w.shape.length === 2 && w.shape[1] === k) : [inputs[1]!];
  return { rows: specSize(x) / (k || 1), k, ms: weights.map((w) => w.shape[0] ?? 0) };
}

/**
 * The limits of a device whose storage bindings hold `maxBindingBytes` and whose uploads are split above
 * `maxChunkBytes`: an input that is not a weight must be one buffer (a tensor) or fit one upload chunk (a spec); every
 * output must fit one binding; the tiled matmul's row and column tiles must fit one dispatch dimension; and linear's
 * kernels need K > 0.
 */
export function webgpuLimit(device: { maxBindingBytes: number; maxChunkBytes: number }): OpLimit {
  return (op, inputs, outputs) => {
    const splittable = SPLIT_INPUTS[op] ?? ((i: number) => op === 'linearMany' && i > 0 && inputs[i]!.shape.length === 2);
    for (const [i, t] of inputs.entries()) {
      if (splittable(i)) continue;
      const split = t instanceof Tensor ? gpuData(t).chunks.length > 1 : bytes(t) > device.maxChunkBytes;
      const name = OP_SIGNATURES[op].names[i] ?? `biases[${i - 1 - (inputs.length - 1) / 2}]`;
      if (split) return `${name} ${describeSpec(t)} is larger than one WebGPU binding (${device.maxChunkBytes} bytes); only the weights of embedding and the linear ops may be split across buffers`;
    }
    for (const out of outputs ?? estimatedOutputs(op, inputs)) {
      if (bytes(out) > device.maxBindingBytes) return `its output [${out.shape.join(', ')}] (${bytes(out)} bytes) is larger than one WebGPU binding (${device.maxBindingBytes} bytes)`;
    }
    const p = projection(op, inputs);
    if (p && p.k === 0) return 'the linear kernels need in_features (K) > 0';
    if (p && p.rows > MATVEC_MAX_ROWS && (Math.ceil(p.rows / TILE) > 65535 || p.ms.some((m) => Math.ceil(m / TILE) > 65535))) {
      return `the tiled matmul takes at most ${65535 * TILE} rows of x and ${65535 * TILE} output columns in one dispatch`;
    }
    return undefined;
  };
}
