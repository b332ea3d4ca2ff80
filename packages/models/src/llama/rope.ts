// RoPE inverse-frequency tables, one function per rope_type, as transformers 5's modeling_rope_utils,
// from the config's standardised `rope_parameters` (rope_theta inside; llama3, yarn and longrope always
// carry original_max_position_embeddings). Computed on the host in float32 (each step rounded with
// Math.fround as torch's float32 tensors are).
import type { LlamaConfig, RopeParameters, RopeType } from '@cria/config';
import { ArgumentError, type Backend, type Tensor } from '@cria/core';

export interface RopeTable {
  /** float32 [headDim / 2] */
  invFreq: Float32Array;
  /** Multiplies cos and sin (transformers' attention_scaling). */
  attentionScaling: number;
}

const f = Math.fround;

/** 1 / base^(2i / dim) for i < dim/2, in float32. */
function defaultInvFreq(base: number, dim: number): Float32Array {
  const out = new Float32Array(dim / 2);
  for (let i = 0; i < dim / 2; i++) out[i] = f(1 / f(Math.pow(base, f((2 * i) / dim))));
  return out;
}

type RopeFunction = (config: LlamaConfig, params: RopeParameters, seqLen: number) => RopeTable;

const ROPE_FUNCTIONS: Record<RopeType, RopeFunction> = {
  default: (config, params) => ({ invFreq: defaultInvFreq(params.rope_theta, config.headDim), attentionScaling: 1 }),

  linear: (config, params) => {
    const invFreq = defaultInvFreq(params.rope_theta, config.headDim).map((x) => f(x / params.factor!));
    return { invFreq, attentionScaling: 1 };
  },

  // NTK-aware scaling: the base grows once the sequence passes max_position_embeddings.
  dynamic: (config, params, seqLen) => {
    const dim = config.headDim;
    const maxPositions = config.max_position_embeddings;
    const factor = params.factor!;
    const len = seqLen > maxPositions ? seqLen : maxPositions;
    const base = params.rope_theta * Math.pow((factor * len) / maxPositions - (factor - 1), dim / (dim - 2));
    return { invFreq: defaultInvFreq(base, dim), attentionScaling: 1 };
  },

  yarn: (config, params) => {
    const dim = config.headDim;
    const base = params.rope_theta;
    const originalMax = params.original_max_position_embeddings!;
    // A null factor (the key is required, its value may be null) is the ratio of the two context lengths.
    const factor = params.factor ?? config.max_position_embeddings / originalMax;
    const getMscale = (scale: number, mscale = 1): number => (scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1);
    let attentionFactor = params.attention_factor;
    if (attentionFactor === undefined || attentionFactor === null) {
      attentionFactor = params.mscale && params.mscale_all_dim
        ? getMscale(factor, params.mscale) / getMscale(factor, params.mscale_all_dim)
        : getMscale(factor);
    }
    const betaFast = params.beta_fast || 32;
    const betaSlow = params.beta_slow || 1;
    const correctionDim = (rotations: number): number => (dim * Math.log(originalMax / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
    let low = correctionDim(betaFast);
    let high = correctionDim(betaSlow);
    // transformers reads `rope_parameters.get("truncate", True)` as a Python truth value: absent truncates, null does not.
    if (params.truncate === undefined || params.truncate) {
      low = Math.floor(low);
      high = Math.ceil(high);
    }
    low = Math.max(low, 0);
    high = Math.min(high, dim - 1);
    if (low === high) high += 0.001;
    const half = dim / 2;
    const invFreq = new Float32Array(half);
    for (let i = 0; i < half; i++) {
      const posFreq = f(Math.pow(base, f((2 * i) / dim)));
      const extrapolation = f(1 / posFreq);
      const interpolation = f(1 / f(factor * posFreq));
      const ramp = Math.min(Math.max(f(f(i - low) / f(high - low)), 0), 1);
      const extrapolationFactor = f(1 - ramp);
      invFreq[i] = f(f(interpolation * f(1 - extrapolationFactor)) + f(extrapolation * extrapolationFactor));
    }
    return { invFreq, attentionScaling: attentionFactor };
  },

  longrope: (config, params, seqLen) => {
    const dim = config.headDim;
    const originalMax = params.original_max_position_embeddings!;
    // An explicit factor wins; without one it is the ratio of the two context lengths (Phi-3's layout).
    const factor = params.factor ?? config.max_position_embeddings / originalMax;
    let attentionFactor = params.attention_factor;
    if (attentionFactor === undefined || attentionFactor === null) {
      attentionFactor = factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(originalMax));
    }
    const extFactors = seqLen > originalMax ? params.long_factor! : params.short_factor!;
    const invFreq = new Float32Array(dim / 2);
    for (let i = 0; i < dim / 2; i++) invFreq[i] = f(1 / f(f(extFactors[i]!) * f(Math.pow(params.rope_theta, f((2 * i) / dim)))));
    return { invFreq, attentionScaling: attentionFactor };
  },

  llama3: (config, params) => {
    const invFreq = defaultInvFreq(params.rope_theta, config.headDim);
    const factor = params.factor!;
    const lowFreqFactor = params.low_freq_factor!;
    const highFreqFactor = params.high_freq_factor!;
    const oldContext = params.original_max_position_embeddings!;
    const lowFreqWavelen = oldContext / lowFreqFactor;
    const highFreqWavelen = oldContext / highFreqFactor;
    const out = new Float32Array(invFreq.length);
    for (let i = 0; i < invFreq.length; i++) {
      const freq = invFreq[i]!;
      const wavelen = f((2 * Math.PI) / freq);
      let value = wavelen > lowFreqWavelen ? f(freq / factor) : freq;
      const isMedium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
      if (isMedium) {
        const smooth = f(f(f(oldContext / wavelen) - lowFreqFactor) / (highFreqFactor - lowFreqFactor));
        value = f(f(f(1 - smooth) * value) / factor + f(smooth * value));
      }
      out[i] = value;
    }
    return { invFreq: out, attentionScaling: 1 };
  },
};

/** Whether the table depends on the sequence length (so it is recomputed per forward). */
export function ropeDependsOnLength(config: LlamaConfig): boolean {
  const type = config.rope_parameters.rope_type;
  return type === 'dynamic' || type === 'longrope';
}

/**
 * The inverse-frequency table for `config` when the largest position in the batch is `seqLen - 1`.
 * (dynamic and longrope depend on seqLen; the others do not.)
 */
export function computeRope(config: LlamaConfig, seqLen: number = config.max_position_embeddings): RopeTable {
  const params = config.rope_parameters;
  const fn = ROPE_FUNCTIONS[params.rope_type];
  if (!fn) throw new ArgumentError(`config field 'rope_parameters.rope_type' is '${params.rope_type}'; unknown rope type`);
  return fn(config, params, seqLen);
}

/** A RoPE table on the device. */
export interface DeviceRope {
  /** float32 [headDim / 2] */
  invFreq: Tensor;
  attentionScaling: number;
}

/**
 * A model's RoPE tables on its backend: a table that does not depend on the sequence length is uploaded once and
 * kept; a length-dependent one (dynamic, longrope) is made for each pass and freed by the pass.
 */
export class RopeTables implements Disposable {
  #static: DeviceRope | null = null;

  constructor(
    readonly config: LlamaConfig,
    readonly backend: Backend,
  ) {}

  /** The kept table, uploaded on first use; null when the table depends on the sequence length. */
  static(): DeviceRope | null {
    if (ropeDependsOnLength(this.config)) return null;
    this.#static ??= this.#upload(this.config.max_position_embeddings);
    return this.#static;
  }

  /** The table for a pass whose largest position is seqLen - 1; `owned` when the pass must free it. */
  forLength(seqLen: number): DeviceRope & { owned: boolean } {
    const kept = this.static();
    return kept ? { ...kept, owned: false } : { ...this.#upload(seqLen), owned: true };
  }

  #upload(seqLen: number): DeviceRope {
    const table = computeRope(this.config, seqLen);
    return { invFreq: this.backend.upload(table.invFreq, [table.invFreq.length], 'float32'), attentionScaling: table.attentionScaling };
  }

  [Symbol.dispose](): void {
    this.#static?.invFreq.dispose();
    this.#static = null;
  }
}
