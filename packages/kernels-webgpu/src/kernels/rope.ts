// Rotate-half RoPE: one thread per rotated pair (i, i + headDim/2) of one head of one token.
import type { RopeShape, Tensor } from '@cria/core';
import type { KernelContext } from '../kernel-context.js';
import { ELEMENT_THREADS, GROUP_INDEX, grid } from './wgsl.js';

// The angle is p * invFreq[i] rounded to float32, as the contract asks. Before sin/cos it is reduced to
// [-pi, pi] with 2pi split in three float32 parts (Cody-Waite), because WGSL promises sin/cos accuracy
// only inside [-pi, pi] and positions reach thousands of radians.
const SOURCE = /* wgsl */ `
struct Params { pairs: u32, numHeads: u32, halfDim: u32, scaling: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> positions: array<i32>;
@group(0) @binding(3) var<storage, read> invFreq: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
${GROUP_INDEX}
fn reduceAngle(a: f32) -> f32 {
  let k = round(a * 0.15915493667125702);
  return ((a - k * 6.28125) - k * 0.00193023681640625) - k * 5.070363386039389e-06;
}

@compute @workgroup_size(${ELEMENT_THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t = groupIndex(wid, nwg) * ${ELEMENT_THREADS}u + lid;
  if (t >= params.pairs) { return; }
  let i = t % params.halfDim;
  let head = t / params.halfDim;
  let token = head / params.numHeads;
  let angle = reduceAngle(f32(positions[token]) * invFreq[i]);
  let c = cos(angle) * params.scaling;
  let s = sin(angle) * params.scaling;
  let base = head * 2u * params.halfDim + i;
  let x1 = x[base];
  let x2 = x[base + params.halfDim];
  out[base] = x1 * c - x2 * s;
  out[base + params.halfDim] = x2 * c + x1 * s;
}
`;

/** On arguments checked by core's checkRope (its sizes). */
export function rope(ctx: KernelContext, x: Tensor, positions: Tensor, invFreq: Tensor, { numHeads, headDim, attentionScaling }: RopeShape): Tensor {
  const out = ctx.output(x.shape, 'float32');
  const pairs = x.size / 2;
  if (pairs === 0) return out;
  ctx.dispatch(
    ctx.pipeline('rope', () => SOURCE),
    [{ u32: pairs }, { u32: numHeads }, { u32: headDim / 2 }, { f32: attentionScaling }],
    [ctx.buffer(x, 'rope x'), ctx.buffer(positions, 'rope positions'), ctx.buffer(invFreq, 'rope invFreq'), ctx.buffer(out, 'output')],
    grid(Math.ceil(pairs / ELEMENT_THREADS)),
  );
  return out;
}
