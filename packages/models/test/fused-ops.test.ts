// The fused ops (addRmsNorm, linearSiluMul, linearMany) where the backend has them, and the plain ops where it does not, give the
// same numbers: on the CPU backend both ways are bit-identical, and both meet the goldens.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OpName, type Tensor, withoutOps } from '@cria/core';
import { fixture } from '@cria/core/testing';
import { CpuBackend } from '@cria/kernels-cpu';
import { describe, expect, it } from 'vitest';
import { FUSED_OPS, LlamaForCausalLM, disposeOutput } from '../src/index.js';
import { expectClose, readExpectedJson, readExpectedTensors } from '../src/testing.js';


/** A CPU backend that counts the ops a layer may fuse or not. */
class FusionCountingBackend extends CpuBackend {
  readonly calls = new Map<OpName, number>();
  #count(op: OpName): void {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
  }
  override addRmsNorm(a: Tensor, b: Tensor, weight: Tensor, eps: number): { sum: Tensor; normed: Tensor } {
    this.#count('addRmsNorm');
    return super.addRmsNorm(a, b, weight, eps);
  }
  override linearSiluMul(x: Tensor, gate: Tensor, up: Tensor, gateBias?: Tensor, upBias?: Tensor): Tensor {
    this.#count('linearSiluMul');
    return super.linearSiluMul(x, gate, up, gateBias, upBias);
  }
  override linearMany(x: Tensor, weights: readonly Tensor[], biases?: readonly Tensor[]): Tensor[] {
    this.#count('linearMany');
    return super.linearMany(x, weights, biases);
  }
  override linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
    this.#count('linear');
    return super.linear(x, weight, bias);
  }
  override siluMul(gate: Tensor, up: Tensor): Tensor {
    this.#count('siluMul');
    return super.siluMul(gate, up);
  }
}

/** Logits of the fixture's inputs, the model loaded onto `device` (a backend, or a view of one without the fused ops). */
async function logitsWith(device: FusionCountingBackend, dir: string, inputIds: number[][]): Promise<Float32Array> {
  const model = await LlamaForCausalLM.from_pretrained(dir, { device });
  expect(model.backend).toBe(device);
  const out = await model.forward({ input_ids: inputIds, use_cache: false });
  if (!out.logits) throw new Error(`${dir}: the causal LM returned no logits`);
  const logits = await out.logits.toFloat32();
  disposeOutput(out);
  model.dispose();
  return logits;
}

describe('fused ops in the decoder layers', () => {
  for (const name of ['tiny-llama-bias-headdim', 'tiny-llama2-gqa-f16-sharded']) {
    it(`${name}: fused and plain give bit-identical logits, both within 1e-4 of the goldens`, async () => {
      const dir = fixture('models', name);
      const expected = readExpectedJson(dir);
      const golden = (await readExpectedTensors(dir)).get('logits')!.data;
      const fused = new FusionCountingBackend();
      const plain = new FusionCountingBackend();
      const fusedLogits = await logitsWith(fused, dir, expected.inputs.input_ids);
      const plainLogits = await logitsWith(withoutOps(plain, FUSED_OPS), dir, expected.inputs.input_ids);
      const layers = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { num_hidden_layers: number }).num_hidden_layers;
      expect(fused.calls.get('linearSiluMul')).toBe(layers);
      expect(fused.calls.get('addRmsNorm')).toBe(2 * layers);
      expect(fused.calls.get('linearMany')).toBe(layers);
      expect(fused.calls.get('siluMul') ?? 0).toBe(0);
      // Per layer: o_proj and down_proj; then the LM head.
      expect(fused.calls.get('linear')).toBe(2 * layers + 1);
      expect(plain.calls.get('linearSiluMul') ?? 0).toBe(0);
      expect(plain.calls.get('linearMany') ?? 0).toBe(0);
      expect(plain.calls.get('addRmsNorm') ?? 0).toBe(0);
      expect(plain.calls.get('siluMul')).toBe(layers);
      expect(plain.calls.get('linear')).toBe(7 * layers + 1);
      expect(Array.from(fusedLogits)).toEqual(Array.from(plainLogits));
      expectClose(fusedLogits, golden, 1e-4, 'logits');
    });
  }
});
