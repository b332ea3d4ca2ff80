// add and siluMul: one thread per element, float32.
import type { Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { ELEMENT_THREADS, GROUP_INDEX, grid } from './wgsl.js';

/** silu(gate) * up as WGSL, the one expression siluMul and linearSiluMul's kernels write (so they round alike). */
export function siluMulExpression(gate: string, up: string): string {
  return `${gate} / (1.0 + exp(-${gate})) * ${up}`;
}

const EXPRESSIONS = {
  add: 'a[i] + b[i]',
  siluMul: siluMulExpression('a[i]', 'b[i]'),
} as const;

function source(expression: string): string {
  return /* wgsl */ `
struct Params { count: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${GROUP_INDEX}
@compute @workgroup_size(${ELEMENT_THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * ${ELEMENT_THREADS}u + lid;
  if (i >= params.count) { return; }
  out[i] = ${expression};
}
`;
}

/** a + b or silu(a) * b, elementwise over tensors of the same shape (core's checkSameShapes). */
export function elementwise(ctx: KernelContext, op: keyof typeof EXPRESSIONS, a: Tensor, b: Tensor): Tensor {
  const out = ctx.output(a.shape, 'float32');
  if (a.size === 0) return out;
  const pipeline = ctx.pipeline(`elementwise:${op}`, () => source(EXPRESSIONS[op]));
  const groups = Math.ceil(a.size / ELEMENT_THREADS);
  ctx.dispatch(pipeline, [{ u32: a.size }], [ctx.buffer(a, `${op} input a`), ctx.buffer(b, `${op} input b`), ctx.buffer(out, 'output')], grid(groups));
  return out;
}
