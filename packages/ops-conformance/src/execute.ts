// Runs one case's op on a backend over already-uploaded inputs.
import type { AttentionOptions, Backend, DType, Tensor } from '@cria/core';
import type { OpCase } from './op-case.js';

function input(tensors: ReadonlyMap<string, Tensor>, name: string, opCase: OpCase): Tensor {
  const t = tensors.get(name);
  if (!t) throw new Error(`op case '${opCase.name}': input '${name}' is missing`);
  return t;
}

function param(value: number | undefined, name: string, opCase: OpCase): number {
  if (value === undefined) throw new Error(`op case '${opCase.name}': params.${name} is required`);
  return value;
}

function attentionOptions(opCase: OpCase, tensors: ReadonlyMap<string, Tensor>): AttentionOptions {
  const p = opCase.params;
  const options: AttentionOptions = {
    numHeads: param(p.numHeads, 'numHeads', opCase),
    numKvHeads: param(p.numKvHeads, 'numKvHeads', opCase),
    headDim: param(p.headDim, 'headDim', opCase),
    kvLength: param(p.kvLength, 'kvLength', opCase),
    scale: param(p.scale, 'scale', opCase),
  };
  const mask = tensors.get('mask');
  if (mask) options.mask = mask;
  return options;
}

/**
 * Calls the case's op and returns its outputs by name: `out` for most ops, `values` and `indices`
 * for topk, `sum` and `normed` for addRmsNorm, `out0`.. for linearMany, and for kvWrite the updated `cache` (the input tensor itself, written in place).
 */
export function executeCase(backend: Backend, opCase: OpCase, tensors: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const get = (name: string): Tensor => input(tensors, name, opCase);
  const p = opCase.params;
  switch (opCase.op) {
    case 'embedding':
      return new Map([['out', backend.embedding(get('weight'), get('ids'))]]);
    case 'rmsNorm':
      return new Map([['out', backend.rmsNorm(get('x'), get('weight'), param(p.eps, 'eps', opCase))]]);
    case 'addRmsNorm': {
      const { sum, normed } = backend.addRmsNorm(get('a'), get('b'), get('weight'), param(p.eps, 'eps', opCase));
      return new Map([['sum', sum], ['normed', normed]]);
    }
    case 'linear':
      return new Map([['out', backend.linear(get('x'), get('weight'), tensors.get('bias'))]]);
    case 'linearSiluMul':
      return new Map([['out', backend.linearSiluMul(get('x'), get('gate'), get('up'), tensors.get('gateBias'), tensors.get('upBias'))]]);
    case 'linearMany': {
      const present = (prefix: string): Tensor[] => [0, 1, 2].flatMap((i) => tensors.get(`${prefix}${i}`) ?? []);
      const biases = present('bias');
      const outs = backend.linearMany(get('x'), present('weight'), biases.length > 0 ? biases : undefined);
      return new Map(outs.map((t, i) => [`out${i}`, t]));
    }
    case 'rope':
      return new Map([
        ['out', backend.rope(get('x'), get('positions'), get('invFreq'), {
          numHeads: param(p.numHeads, 'numHeads', opCase),
          headDim: param(p.headDim, 'headDim', opCase),
          attentionScaling: param(p.attentionScaling, 'attentionScaling', opCase),
        })],
      ]);
    case 'kvWrite':
      backend.kvWrite(get('cache'), get('src'), param(p.offset, 'offset', opCase));
      return new Map([['cache', get('cache')]]);
    case 'attention':
      return new Map([['out', backend.attention(get('q'), get('kCache'), get('vCache'), attentionOptions(opCase, tensors))]]);
    case 'attentionWeights':
      return new Map([['out', backend.attentionWeights(get('q'), get('kCache'), attentionOptions(opCase, tensors))]]);
    case 'siluMul':
      return new Map([['out', backend.siluMul(get('gate'), get('up'))]]);
    case 'add':
      return new Map([['out', backend.add(get('a'), get('b'))]]);
    case 'softmax':
      return new Map([['out', backend.softmax(get('x'))]]);
    case 'argmax':
      return new Map([['out', backend.argmax(get('x'))]]);
    case 'topk': {
      const { values, indices } = backend.topk(get('x'), param(p.k, 'k', opCase));
      return new Map([['values', values], ['indices', indices]]);
    }
    case 'cast': {
      const to = opCase.dtypes[1];
      if (!to) throw new Error(`op case '${opCase.name}': cast needs dtypes [from, to]`);
      return new Map([['out', backend.cast(get('x'), to as DType)]]);
    }
  }
}
