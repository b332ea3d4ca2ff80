// A tiny module tree: parameters are named by the property path from the root, so the names are the
// checkpoint keys (`model.layers.3.self_attn.q_proj.weight`) and loading is a walk, not a mapping.
import { CriaError, type Tensor } from '@cria/core';

/** Matrices keep the checkpoint's dtype (or the requested one); vectors (norms, biases) are float32. */
export type ParameterKind = 'matrix' | 'vector';

export class Parameter {
  #tensor: Tensor | null = null;
  constructor(
    readonly shape: readonly number[],
    readonly kind: ParameterKind,
  ) {}

  get loaded(): boolean {
    return this.#tensor !== null;
  }

  /** The device tensor; throws when the weights were not loaded. */
  get value(): Tensor {
    if (!this.#tensor) throw new CriaError(`parameter [${this.shape.join(', ')}] used before its weights were loaded`);
    return this.#tensor;
  }

  set value(tensor: Tensor) {
    this.#tensor = tensor;
  }

  /** Drops the tensor without freeing it (the tensor is shared, e.g. a tied lm_head). */
  detach(): void {
    this.#tensor = null;
  }
}

export abstract class Module {
  /** [path, parameter] for every parameter under this module, paths joined with '.'. */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Parameter) out.push([prefix + key, value]);
      else if (value instanceof Module) out.push(...value.namedParameters(`${prefix}${key}.`));
      else if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (item instanceof Module) out.push(...item.namedParameters(`${prefix}${key}.${i}.`));
        });
      }
    }
    return out;
  }
}

/** nn.Linear: weight [out, in], optional bias [out]. */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias?: Parameter;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias: boolean,
  ) {
    super();
    this.weight = new Parameter([outFeatures, inFeatures], 'matrix');
    if (bias) this.bias = new Parameter([outFeatures], 'vector');
  }
}

/** nn.Embedding: weight [num, dim]. */
export class Embedding extends Module {
  readonly weight: Parameter;
  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
  ) {
    super();
    this.weight = new Parameter([numEmbeddings, dim], 'matrix');
  }
}

/** LlamaRMSNorm: weight [dim]. */
export class RMSNorm extends Module {
  readonly weight: Parameter;
  constructor(
    readonly dim: number,
    readonly eps: number,
  ) {
    super();
    this.weight = new Parameter([dim], 'vector');
  }
}
