// The ranking shared by argmax and topk, as WGSL: larger value first, NaN above every number (as torch
// and the CPU backend), the lower index first on ties and among NaNs.

/** The index that marks an empty slot; it ranks after every entry. */
export const NO_INDEX = 0xffffffff;

/**
 * WGSL `NONE` and `before(v, i, bv, bi)`: whether entry (v, i) ranks before entry (bv, bi). NaN is
 * tested on the bits, so no fast-math assumption can fold it away.
 */
export const RANK_ORDER = /* wgsl */ `
const NONE = ${NO_INDEX}u;

fn isNan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }

fn before(v: f32, i: u32, bv: f32, bi: u32) -> bool {
  if (i == NONE) { return false; }
  if (bi == NONE) { return true; }
  let vNan = isNan(v);
  let bNan = isNan(bv);
  if (vNan || bNan) { return vNan && (!bNan || i < bi); }
  return v > bv || (v == bv && i < bi);
}
`;
