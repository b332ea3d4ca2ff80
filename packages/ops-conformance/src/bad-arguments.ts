// The bad-arguments table: one row per wrong call (op, arguments, the error class every backend must throw, and what
// the message must name), run on every backend that starts. It holds the decisions taken once for all backends:
// topk(x, 0) gives empty tensors (torch.topk); a norm weight is [H] and a linear bias [M] exactly (a [1, H] / [1, M] one
// is refused); eps < 0 is refused; an attention mask is [B, kvLength] exactly (a longer one is refused); an op on a
// disposed backend, or on a disposed tensor, throws DisposedError.
import type { AttentionOptions, Backend, DType, OpName, Tensor } from '@cria/core';

/** The error a row expects, by class name (the classes of @cria/core), or null for a call that must succeed. */
export type ExpectedError = 'ArgumentError' | 'UnsupportedOpError' | 'DisposedError' | null;

/** An input by name: [shape, dtype], uploaded as zeros. */
export type BadInput = readonly [shape: readonly number[], dtype: DType];

export interface BadArgumentCase {
  op: OpName;
  /** What is wrong, in a few words (rank, shape, dtype, range, disposed, ...). */
  name: string;
  inputs: Readonly<Record<string, BadInput>>;
  /** How an input is spoilt before the call: disposed, replaced by a tensor of another backend, or by a non-tensor. */
  spoil?: Readonly<Record<string, 'disposed' | 'foreign' | 'not a tensor'>>;
  /** Dispose the backend itself before the call (its inputs were made first). */
  disposedBackend?: boolean;
  call: (backend: Backend, t: Readonly<Record<string, Tensor>>) => unknown;
  error: ExpectedError;
  /** A text the error message must hold: the argument (or, for UnsupportedOpError, the argument and its dtype). */
  names: string;
  /** For a call that must succeed: what is wrong with its result, or undefined. */
  check?: (result: unknown) => string | undefined;
}

const f32 = (...shape: number[]): BadInput => [shape, 'float32'];
const of = (dtype: DType, ...shape: number[]): BadInput => [shape, dtype];
const heads = (o: Partial<AttentionOptions> = {}): AttentionOptions => ({ numHeads: 2, numKvHeads: 1, headDim: 4, kvLength: 3, scale: 0.5, ...o });
const rope = { numHeads: 2, headDim: 4, attentionScaling: 1 };
const shapesOf = (...tensors: Tensor[]): string => tensors.map((t) => `[${t.shape.join(', ')}] ${t.dtype}`).join(', ');

/** Rows with x [2, 8], weight [5, 8], bias [5] for the linear family; q [1, 2, 8], caches [1, 1, 4, 4] for attention. */
export const BAD_ARGUMENT_CASES: readonly BadArgumentCase[] = [
  // embedding(weight [V, H], ids int32)
  { op: 'embedding', name: 'weight of rank 1', inputs: { weight: f32(8), ids: of('int32', 3) }, call: (b, t) => b.embedding(t.weight!, t.ids!), error: 'ArgumentError', names: 'weight' },
  { op: 'embedding', name: 'float32 ids', inputs: { weight: f32(8, 4), ids: f32(3) }, call: (b, t) => b.embedding(t.weight!, t.ids!), error: 'UnsupportedOpError', names: 'ids is float32' },
  { op: 'embedding', name: 'int32 weight', inputs: { weight: of('int32', 8, 4), ids: of('int32', 3) }, call: (b, t) => b.embedding(t.weight!, t.ids!), error: 'UnsupportedOpError', names: 'weight is int32' },
  { op: 'embedding', name: 'disposed ids', inputs: { weight: f32(8, 4), ids: of('int32', 3) }, spoil: { ids: 'disposed' }, call: (b, t) => b.embedding(t.weight!, t.ids!), error: 'DisposedError', names: 'ids' },
  { op: 'embedding', name: 'weight of another backend', inputs: { weight: f32(8, 4), ids: of('int32', 3) }, spoil: { weight: 'foreign' }, call: (b, t) => b.embedding(t.weight!, t.ids!), error: 'ArgumentError', names: 'weight' },
  // rmsNorm(x [..., H], weight [H], eps)
  { op: 'rmsNorm', name: 'weight [1, H]', inputs: { x: f32(2, 8), weight: f32(1, 8) }, call: (b, t) => b.rmsNorm(t.x!, t.weight!, 1e-5), error: 'ArgumentError', names: 'weight' },
  { op: 'rmsNorm', name: 'weight of another length', inputs: { x: f32(2, 8), weight: f32(7) }, call: (b, t) => b.rmsNorm(t.x!, t.weight!, 1e-5), error: 'ArgumentError', names: 'weight' },
  { op: 'rmsNorm', name: 'eps < 0', inputs: { x: f32(2, 8), weight: f32(8) }, call: (b, t) => b.rmsNorm(t.x!, t.weight!, -1e-5), error: 'ArgumentError', names: 'eps' },
  { op: 'rmsNorm', name: 'eps NaN', inputs: { x: f32(2, 8), weight: f32(8) }, call: (b, t) => b.rmsNorm(t.x!, t.weight!, NaN), error: 'ArgumentError', names: 'eps' },
  { op: 'rmsNorm', name: 'a scalar x', inputs: { x: f32(), weight: f32(1) }, call: (b, t) => b.rmsNorm(t.x!, t.weight!, 1e-5), error: 'ArgumentError', names: 'x' },
  { op: 'rmsNorm', name: 'float16 x', inputs: { x: of('float16', 2, 8), weight: f32(8) }, call: (b, t) => b.rmsNorm(t.x!, t.weight!, 1e-5), error: 'UnsupportedOpError', names: 'x is float16' },
  { op: 'rmsNorm', name: 'disposed weight', inputs: { x: f32(2, 8), weight: f32(8) }, spoil: { weight: 'disposed' }, call: (b, t) => b.rmsNorm(t.x!, t.weight!, 1e-5), error: 'DisposedError', names: 'weight' },
  // addRmsNorm(a, b [..., H], weight [H], eps)
  { op: 'addRmsNorm', name: 'b of another shape', inputs: { a: f32(2, 8), b: f32(2, 7), weight: f32(8) }, call: (b, t) => b.addRmsNorm(t.a!, t.b!, t.weight!, 1e-5), error: 'ArgumentError', names: 'b [2, 7]' },
  { op: 'addRmsNorm', name: 'weight [1, H]', inputs: { a: f32(2, 8), b: f32(2, 8), weight: f32(1, 8) }, call: (b, t) => b.addRmsNorm(t.a!, t.b!, t.weight!, 1e-5), error: 'ArgumentError', names: 'weight' },
  { op: 'addRmsNorm', name: 'eps < 0', inputs: { a: f32(2, 8), b: f32(2, 8), weight: f32(8) }, call: (b, t) => b.addRmsNorm(t.a!, t.b!, t.weight!, -1), error: 'ArgumentError', names: 'eps' },
  { op: 'addRmsNorm', name: 'bfloat16 b', inputs: { a: f32(2, 8), b: of('bfloat16', 2, 8), weight: f32(8) }, call: (b, t) => b.addRmsNorm(t.a!, t.b!, t.weight!, 1e-5), error: 'UnsupportedOpError', names: 'b is bfloat16' },
  { op: 'addRmsNorm', name: 'disposed a', inputs: { a: f32(2, 8), b: f32(2, 8), weight: f32(8) }, spoil: { a: 'disposed' }, call: (b, t) => b.addRmsNorm(t.a!, t.b!, t.weight!, 1e-5), error: 'DisposedError', names: 'a' },
  // linear(x [..., K], weight [M, K], bias [M])
  { op: 'linear', name: 'bias [1, M]', inputs: { x: f32(2, 8), weight: f32(5, 8), bias: f32(1, 5) }, call: (b, t) => b.linear(t.x!, t.weight!, t.bias!), error: 'ArgumentError', names: 'bias' },
  { op: 'linear', name: 'bias of another length', inputs: { x: f32(2, 8), weight: f32(5, 8), bias: f32(6) }, call: (b, t) => b.linear(t.x!, t.weight!, t.bias!), error: 'ArgumentError', names: 'bias' },
  { op: 'linear', name: "x's K differs", inputs: { x: f32(2, 7), weight: f32(5, 8) }, call: (b, t) => b.linear(t.x!, t.weight!), error: 'ArgumentError', names: 'x [2, 7]' },
  { op: 'linear', name: 'weight of rank 1', inputs: { x: f32(2, 8), weight: f32(8) }, call: (b, t) => b.linear(t.x!, t.weight!), error: 'ArgumentError', names: 'weight' },
  { op: 'linear', name: 'int32 weight', inputs: { x: f32(2, 8), weight: of('int32', 5, 8) }, call: (b, t) => b.linear(t.x!, t.weight!), error: 'UnsupportedOpError', names: 'weight is int32' },
  { op: 'linear', name: 'disposed bias', inputs: { x: f32(2, 8), weight: f32(5, 8), bias: f32(5) }, spoil: { bias: 'disposed' }, call: (b, t) => b.linear(t.x!, t.weight!, t.bias!), error: 'DisposedError', names: 'bias' },
  { op: 'linear', name: 'x not a tensor', inputs: { x: f32(2, 8), weight: f32(5, 8) }, spoil: { x: 'not a tensor' }, call: (b, t) => b.linear(t.x!, t.weight!), error: 'ArgumentError', names: 'x must be a Tensor' },
  // linearSiluMul(x, gate [M, K], up [M, K], gateBias [M], upBias [M])
  { op: 'linearSiluMul', name: 'gateBias alone', inputs: { x: f32(2, 8), gate: f32(5, 8), up: f32(5, 8), gateBias: f32(5) }, call: (b, t) => b.linearSiluMul(t.x!, t.gate!, t.up!, t.gateBias!), error: 'ArgumentError', names: 'gateBias and upBias' },
  { op: 'linearSiluMul', name: 'up of another shape', inputs: { x: f32(2, 8), gate: f32(5, 8), up: f32(4, 8) }, call: (b, t) => b.linearSiluMul(t.x!, t.gate!, t.up!), error: 'ArgumentError', names: 'up [4, 8]' },
  { op: 'linearSiluMul', name: 'up of another dtype', inputs: { x: f32(2, 8), gate: f32(5, 8), up: of('float16', 5, 8) }, call: (b, t) => b.linearSiluMul(t.x!, t.gate!, t.up!), error: 'UnsupportedOpError', names: 'up is float16' },
  { op: 'linearSiluMul', name: 'upBias [1, M]', inputs: { x: f32(2, 8), gate: f32(5, 8), up: f32(5, 8), gateBias: f32(5), upBias: f32(1, 5) }, call: (b, t) => b.linearSiluMul(t.x!, t.gate!, t.up!, t.gateBias!, t.upBias!), error: 'ArgumentError', names: 'upBias' },
  { op: 'linearSiluMul', name: 'disposed up', inputs: { x: f32(2, 8), gate: f32(5, 8), up: f32(5, 8) }, spoil: { up: 'disposed' }, call: (b, t) => b.linearSiluMul(t.x!, t.gate!, t.up!), error: 'DisposedError', names: 'up' },
  // linearMany(x, weights [M_i, K], biases [M_i])
  { op: 'linearMany', name: 'no weights', inputs: { x: f32(2, 8) }, call: (b, t) => b.linearMany(t.x!, []), error: 'ArgumentError', names: 'weights' },
  { op: 'linearMany', name: 'fewer biases than weights', inputs: { x: f32(2, 8), w0: f32(5, 8), w1: f32(3, 8), b0: f32(5) }, call: (b, t) => b.linearMany(t.x!, [t.w0!, t.w1!], [t.b0!]), error: 'ArgumentError', names: 'biases' },
  { op: 'linearMany', name: 'weights[1] of another K', inputs: { x: f32(2, 8), w0: f32(5, 8), w1: f32(3, 7) }, call: (b, t) => b.linearMany(t.x!, [t.w0!, t.w1!]), error: 'ArgumentError', names: 'weights[1]' },
  { op: 'linearMany', name: 'weights of two dtypes', inputs: { x: f32(2, 8), w0: f32(5, 8), w1: of('bfloat16', 3, 8) }, call: (b, t) => b.linearMany(t.x!, [t.w0!, t.w1!]), error: 'UnsupportedOpError', names: 'weights[1] is bfloat16' },
  { op: 'linearMany', name: 'biases[0] [1, M]', inputs: { x: f32(2, 8), w0: f32(5, 8), b0: f32(1, 5) }, call: (b, t) => b.linearMany(t.x!, [t.w0!], [t.b0!]), error: 'ArgumentError', names: 'biases[0]' },
  { op: 'linearMany', name: 'disposed weights[0]', inputs: { x: f32(2, 8), w0: f32(5, 8) }, spoil: { w0: 'disposed' }, call: (b, t) => b.linearMany(t.x!, [t.w0!]), error: 'DisposedError', names: 'weights[0]' },
  // rope(x [B, S, heads * headDim], positions int32 [B, S], invFreq [headDim / 2], options)
  { op: 'rope', name: 'odd headDim', inputs: { x: f32(1, 3, 6), positions: of('int32', 1, 3), invFreq: f32(1) }, call: (b, t) => b.rope(t.x!, t.positions!, t.invFreq!, { numHeads: 2, headDim: 3, attentionScaling: 1 }), error: 'ArgumentError', names: 'options.headDim' },
  { op: 'rope', name: 'x of rank 2', inputs: { x: f32(3, 8), positions: of('int32', 1, 3), invFreq: f32(2) }, call: (b, t) => b.rope(t.x!, t.positions!, t.invFreq!, rope), error: 'ArgumentError', names: 'x' },
  { op: 'rope', name: 'positions of another shape', inputs: { x: f32(1, 3, 8), positions: of('int32', 1, 2), invFreq: f32(2) }, call: (b, t) => b.rope(t.x!, t.positions!, t.invFreq!, rope), error: 'ArgumentError', names: 'positions' },
  { op: 'rope', name: 'invFreq of another length', inputs: { x: f32(1, 3, 8), positions: of('int32', 1, 3), invFreq: f32(4) }, call: (b, t) => b.rope(t.x!, t.positions!, t.invFreq!, rope), error: 'ArgumentError', names: 'invFreq' },
  { op: 'rope', name: 'attentionScaling NaN', inputs: { x: f32(1, 3, 8), positions: of('int32', 1, 3), invFreq: f32(2) }, call: (b, t) => b.rope(t.x!, t.positions!, t.invFreq!, { ...rope, attentionScaling: NaN }), error: 'ArgumentError', names: 'options.attentionScaling' },
  { op: 'rope', name: 'float32 positions', inputs: { x: f32(1, 3, 8), positions: f32(1, 3), invFreq: f32(2) }, call: (b, t) => b.rope(t.x!, t.positions!, t.invFreq!, rope), error: 'UnsupportedOpError', names: 'positions is float32' },
  { op: 'rope', name: 'disposed invFreq', inputs: { x: f32(1, 3, 8), positions: of('int32', 1, 3), invFreq: f32(2) }, spoil: { invFreq: 'disposed' }, call: (b, t) => b.rope(t.x!, t.positions!, t.invFreq!, rope), error: 'DisposedError', names: 'invFreq' },
  // kvWrite(cache [B, kvHeads, maxLength, headDim], src [B, S, kvHeads * headDim], offset)
  { op: 'kvWrite', name: 'offset past the cache', inputs: { cache: f32(1, 1, 4, 4), src: f32(1, 2, 4) }, call: (b, t) => b.kvWrite(t.cache!, t.src!, 3), error: 'ArgumentError', names: 'offset' },
  { op: 'kvWrite', name: 'a negative offset', inputs: { cache: f32(1, 1, 4, 4), src: f32(1, 2, 4) }, call: (b, t) => b.kvWrite(t.cache!, t.src!, -1), error: 'ArgumentError', names: 'offset' },
  { op: 'kvWrite', name: 'src of another width', inputs: { cache: f32(1, 1, 4, 4), src: f32(1, 2, 5) }, call: (b, t) => b.kvWrite(t.cache!, t.src!, 0), error: 'ArgumentError', names: 'src' },
  { op: 'kvWrite', name: 'cache of rank 3', inputs: { cache: f32(1, 4, 4), src: f32(1, 2, 4) }, call: (b, t) => b.kvWrite(t.cache!, t.src!, 0), error: 'ArgumentError', names: 'cache' },
  { op: 'kvWrite', name: 'float16 src', inputs: { cache: f32(1, 1, 4, 4), src: of('float16', 1, 2, 4) }, call: (b, t) => b.kvWrite(t.cache!, t.src!, 0), error: 'UnsupportedOpError', names: 'src is float16' },
  { op: 'kvWrite', name: 'disposed cache', inputs: { cache: f32(1, 1, 4, 4), src: f32(1, 2, 4) }, spoil: { cache: 'disposed' }, call: (b, t) => b.kvWrite(t.cache!, t.src!, 0), error: 'DisposedError', names: 'cache' },
  // attention(q [B, S, heads * headDim], kCache, vCache [B, kvHeads, maxLength, headDim], options)
  { op: 'attention', name: 'mask [B, L] with L > kvLength', inputs: { q: f32(1, 2, 8), k: f32(1, 1, 4, 4), v: f32(1, 1, 4, 4), mask: f32(1, 4) }, call: (b, t) => b.attention(t.q!, t.k!, t.v!, heads({ mask: t.mask! })), error: 'ArgumentError', names: 'options.mask' },
  { op: 'attention', name: 'kvLength past the cache', inputs: { q: f32(1, 2, 8), k: f32(1, 1, 4, 4), v: f32(1, 1, 4, 4) }, call: (b, t) => b.attention(t.q!, t.k!, t.v!, heads({ kvLength: 5 })), error: 'ArgumentError', names: 'options.kvLength' },
  { op: 'attention', name: 'kvLength below S', inputs: { q: f32(1, 2, 8), k: f32(1, 1, 4, 4), v: f32(1, 1, 4, 4) }, call: (b, t) => b.attention(t.q!, t.k!, t.v!, heads({ kvLength: 1 })), error: 'ArgumentError', names: 'options.kvLength' },
  { op: 'attention', name: 'numHeads not a multiple of numKvHeads', inputs: { q: f32(1, 2, 8), k: f32(1, 1, 4, 4), v: f32(1, 1, 4, 4) }, call: (b, t) => b.attention(t.q!, t.k!, t.v!, heads({ numKvHeads: 3 })), error: 'ArgumentError', names: 'options.numHeads' },
  { op: 'attention', name: 'vCache of another shape', inputs: { q: f32(1, 2, 8), k: f32(1, 1, 4, 4), v: f32(1, 1, 3, 4) }, call: (b, t) => b.attention(t.q!, t.k!, t.v!, heads()), error: 'ArgumentError', names: 'vCache' },
  { op: 'attention', name: 'q of another width', inputs: { q: f32(1, 2, 6), k: f32(1, 1, 4, 4), v: f32(1, 1, 4, 4) }, call: (b, t) => b.attention(t.q!, t.k!, t.v!, heads()), error: 'ArgumentError', names: 'q' },
  { op: 'attention', name: 'a bool mask', inputs: { q: f32(1, 2, 8), k: f32(1, 1, 4, 4), v: f32(1, 1, 4, 4), mask: of('bool', 1, 3) }, call: (b, t) => b.attention(t.q!, t.k!, t.v!, heads({ mask: t.mask! })), error: 'UnsupportedOpError', names: 'options.mask is bool' },
  { op: 'attention', name: 'disposed vCache', inputs: { q: f32(1, 2, 8), k: f32(1, 1, 4, 4), v: f32(1, 1, 4, 4) }, spoil: { v: 'disposed' }, call: (b, t) => b.attention(t.q!, t.k!, t.v!, heads()), error: 'DisposedError', names: 'vCache' },
  // attentionWeights(q, kCache, options)
  { op: 'attentionWeights', name: 'kCache with other kv heads', inputs: { q: f32(1, 2, 8), k: f32(1, 2, 4, 4) }, call: (b, t) => b.attentionWeights(t.q!, t.k!, heads()), error: 'ArgumentError', names: 'kCache' },
  { op: 'attentionWeights', name: 'mask [B, L] with L > kvLength', inputs: { q: f32(1, 2, 8), k: f32(1, 1, 4, 4), mask: of('int32', 1, 4) }, call: (b, t) => b.attentionWeights(t.q!, t.k!, heads({ mask: t.mask! })), error: 'ArgumentError', names: 'options.mask' },
  { op: 'attentionWeights', name: 'scale NaN', inputs: { q: f32(1, 2, 8), k: f32(1, 1, 4, 4) }, call: (b, t) => b.attentionWeights(t.q!, t.k!, heads({ scale: NaN })), error: 'ArgumentError', names: 'options.scale' },
  { op: 'attentionWeights', name: 'disposed q', inputs: { q: f32(1, 2, 8), k: f32(1, 1, 4, 4) }, spoil: { q: 'disposed' }, call: (b, t) => b.attentionWeights(t.q!, t.k!, heads()), error: 'DisposedError', names: 'q' },
  // siluMul(gate, up) and add(a, b): one shape, float32
  { op: 'siluMul', name: 'up of another shape', inputs: { gate: f32(2, 4), up: f32(4, 2) }, call: (b, t) => b.siluMul(t.gate!, t.up!), error: 'ArgumentError', names: 'up [4, 2]' },
  { op: 'siluMul', name: 'float16 gate', inputs: { gate: of('float16', 2, 4), up: f32(2, 4) }, call: (b, t) => b.siluMul(t.gate!, t.up!), error: 'UnsupportedOpError', names: 'gate is float16' },
  { op: 'siluMul', name: 'disposed up', inputs: { gate: f32(2, 4), up: f32(2, 4) }, spoil: { up: 'disposed' }, call: (b, t) => b.siluMul(t.gate!, t.up!), error: 'DisposedError', names: 'up' },
  { op: 'add', name: 'b of another shape', inputs: { a: f32(2, 4), b: f32(8) }, call: (b, t) => b.add(t.a!, t.b!), error: 'ArgumentError', names: 'b [8]' },
  { op: 'add', name: 'int32 a', inputs: { a: of('int32', 2, 4), b: f32(2, 4) }, call: (b, t) => b.add(t.a!, t.b!), error: 'UnsupportedOpError', names: 'a is int32' },
  { op: 'add', name: 'disposed a', inputs: { a: f32(2, 4), b: f32(2, 4) }, spoil: { a: 'disposed' }, call: (b, t) => b.add(t.a!, t.b!), error: 'DisposedError', names: 'a' },
  { op: 'add', name: 'b of another backend', inputs: { a: f32(2, 4), b: f32(2, 4) }, spoil: { b: 'foreign' }, call: (b, t) => b.add(t.a!, t.b!), error: 'ArgumentError', names: 'b' },
  { op: 'add', name: 'b not a tensor', inputs: { a: f32(2, 4), b: f32(2, 4) }, spoil: { b: 'not a tensor' }, call: (b, t) => b.add(t.a!, t.b!), error: 'ArgumentError', names: 'b must be a Tensor' },
  // softmax, argmax, topk over the last dimension
  { op: 'softmax', name: 'a scalar x', inputs: { x: f32() }, call: (b, t) => b.softmax(t.x!), error: 'ArgumentError', names: 'x' },
  { op: 'softmax', name: 'float16 x', inputs: { x: of('float16', 2, 4) }, call: (b, t) => b.softmax(t.x!), error: 'UnsupportedOpError', names: 'x is float16' },
  { op: 'softmax', name: 'disposed x', inputs: { x: f32(2, 4) }, spoil: { x: 'disposed' }, call: (b, t) => b.softmax(t.x!), error: 'DisposedError', names: 'x' },
  { op: 'argmax', name: 'an empty last dimension', inputs: { x: f32(2, 0) }, call: (b, t) => b.argmax(t.x!), error: 'ArgumentError', names: 'x' },
  { op: 'argmax', name: 'a scalar x', inputs: { x: f32() }, call: (b, t) => b.argmax(t.x!), error: 'ArgumentError', names: 'x' },
  { op: 'argmax', name: 'disposed x', inputs: { x: f32(2, 4) }, spoil: { x: 'disposed' }, call: (b, t) => b.argmax(t.x!), error: 'DisposedError', names: 'x' },
  { op: 'argmax', name: 'int32 x', inputs: { x: of('int32', 2, 4) }, call: (b, t) => b.argmax(t.x!), error: 'UnsupportedOpError', names: 'x is int32' },
  { op: 'topk', name: 'k = 0 gives empty values and indices (torch.topk)', inputs: { x: f32(2, 4) }, call: (b, t) => b.topk(t.x!, 0), error: null, names: '', check: (r) => {
    const { values, indices } = r as { values: Tensor; indices: Tensor };
    const got = shapesOf(values, indices);
    return got === '[2, 0] float32, [2, 0] int32' ? undefined : `gave ${got}`;
  } },
  { op: 'topk', name: 'k above the last dimension', inputs: { x: f32(2, 4) }, call: (b, t) => b.topk(t.x!, 5), error: 'ArgumentError', names: 'k' },
  { op: 'topk', name: 'a negative k', inputs: { x: f32(2, 4) }, call: (b, t) => b.topk(t.x!, -1), error: 'ArgumentError', names: 'k' },
  { op: 'topk', name: 'a fractional k', inputs: { x: f32(2, 4) }, call: (b, t) => b.topk(t.x!, 1.5), error: 'ArgumentError', names: 'k' },
  { op: 'topk', name: 'disposed x', inputs: { x: f32(2, 4) }, spoil: { x: 'disposed' }, call: (b, t) => b.topk(t.x!, 1), error: 'DisposedError', names: 'x' },
  // cast
  { op: 'cast', name: 'a name that is no dtype', inputs: { x: f32(4) }, call: (b, t) => b.cast(t.x!, 'float8' as DType), error: 'ArgumentError', names: "dtype 'float8'" },
  { op: 'cast', name: 'to int64', inputs: { x: f32(4) }, call: (b, t) => b.cast(t.x!, 'int64'), error: 'UnsupportedOpError', names: 'dtype is int64' },
  { op: 'cast', name: 'from float64', inputs: { x: of('float64', 4) }, call: (b, t) => b.cast(t.x!, 'float32'), error: 'UnsupportedOpError', names: 'x is float64' },
  { op: 'cast', name: 'disposed x', inputs: { x: f32(4) }, spoil: { x: 'disposed' }, call: (b, t) => b.cast(t.x!, 'float16'), error: 'DisposedError', names: 'x' },
  // an op on a disposed backend: one class everywhere
  ...(['add', 'linear', 'attention', 'topk', 'cast'] as const).map((op): BadArgumentCase => ({
    op,
    name: 'on a disposed backend',
    inputs: { x: f32(1, 2, 8), w: f32(5, 8), k: f32(1, 1, 4, 4) },
    disposedBackend: true,
    call: (b, t) => {
      switch (op) {
        case 'add': return b.add(t.x!, t.x!);
        case 'linear': return b.linear(t.x!, t.w!);
        case 'attention': return b.attention(t.x!, t.k!, t.k!, heads({ kvLength: 2 }));
        case 'topk': return b.topk(t.x!, 1);
        case 'cast': return b.cast(t.x!, 'float16');
      }
    },
    error: 'DisposedError',
    names: 'backend was disposed',
  })),
];
