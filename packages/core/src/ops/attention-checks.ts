// The shape and scalar rules of the ops around the KV cache: rope, kvWrite, attention and attentionWeights.
import type { AttentionOptions, RopeOptions } from '../backend.js';
import { ArgumentError } from '../errors.js';
import { requireDim, requireFinite, requireInteger, requireRank } from './args.js';
import type { TensorSpec } from './spec.js';

/** The sizes of one attention call: q [batch, seqLength, numHeads * headDim], caches [batch, numKvHeads, maxLength, headDim]. */
export interface AttentionShape {
  batch: number;
  seqLength: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** Slots per cache row. */
  maxLength: number;
  /** Valid slots, the seqLength new ones included: queries sit at slots kvLength - seqLength .. kvLength - 1. */
  kvLength: number;
  scale: number;
}

/** The sizes of one rope call: x [batch, seqLength, numHeads * headDim]. */
export interface RopeShape {
  batch: number;
  seqLength: number;
  numHeads: number;
  headDim: number;
  attentionScaling: number;
}

/** The sizes of one kvWrite: src [batch, seqLength, numKvHeads * headDim] into cache [batch, numKvHeads, maxLength, headDim] at offset. */
export interface KvWriteShape {
  batch: number;
  seqLength: number;
  numKvHeads: number;
  headDim: number;
  maxLength: number;
  offset: number;
}

/** rope(x [B, S, numHeads * headDim], positions [B, S], invFreq [headDim / 2], options). */
export function checkRope(x: TensorSpec, positions: TensorSpec, invFreq: TensorSpec, options: RopeOptions): RopeShape {
  const numHeads = requireInteger('rope', 'options.numHeads', options?.numHeads, 1);
  const headDim = requireInteger('rope', 'options.headDim', options.headDim, 2);
  if (headDim % 2 !== 0) throw new ArgumentError(`rope: options.headDim must be even, got ${headDim}`);
  const attentionScaling = requireFinite('rope', 'options.attentionScaling', options.attentionScaling);
  requireRank('rope', 'x', x, 3, '[batch, seq, numHeads * headDim]');
  const [batch, seqLength] = x.shape as [number, number, number];
  requireDim('rope', 'x', x, 2, numHeads * headDim, 'numHeads * headDim');
  requireRank('rope', 'positions', positions, 2, '[batch, seq]');
  requireDim('rope', 'positions', positions, 0, batch, "x's batch");
  requireDim('rope', 'positions', positions, 1, seqLength, "x's sequence length");
  requireRank('rope', 'invFreq', invFreq, 1, '[headDim / 2]');
  requireDim('rope', 'invFreq', invFreq, 0, headDim / 2, 'headDim / 2');
  return { batch, seqLength, numHeads, headDim, attentionScaling };
}

/** kvWrite(cache [B, numKvHeads, maxLength, headDim], src [B, S, numKvHeads * headDim], offset in [0, maxLength - S]). */
export function checkKvWrite(cache: TensorSpec, src: TensorSpec, offset: number): KvWriteShape {
  requireRank('kvWrite', 'cache', cache, 4, '[batch, numKvHeads, maxLength, headDim]');
  const [batch, numKvHeads, maxLength, headDim] = cache.shape as [number, number, number, number];
  requireRank('kvWrite', 'src', src, 3, '[batch, seq, numKvHeads * headDim]');
  requireDim('kvWrite', 'src', src, 0, batch, "cache's batch");
  requireDim('kvWrite', 'src', src, 2, numKvHeads * headDim, "cache's numKvHeads * headDim");
  const seqLength = src.shape[1]!;
  if (seqLength > maxLength) throw new ArgumentError(`kvWrite: src's ${seqLength} new slots exceed the cache's maxLength ${maxLength}`);
  requireInteger('kvWrite', 'offset', offset, 0, maxLength - seqLength, `src's ${seqLength} new slots within the cache's maxLength ${maxLength}`);
  return { batch, seqLength, numKvHeads, headDim, maxLength, offset };
}

/**
 * attention / attentionWeights: q against the caches (vCache, when given, of kCache's shape), kvLength in
 * [S, maxLength], numHeads a multiple of numKvHeads, and the mask [B, kvLength] exactly (a longer one is refused).
 */
export function checkAttention(op: 'attention' | 'attentionWeights', q: TensorSpec, kCache: TensorSpec, vCache: TensorSpec | undefined, options: AttentionOptions): AttentionShape {
  const numHeads = requireInteger(op, 'options.numHeads', options?.numHeads, 1);
  const numKvHeads = requireInteger(op, 'options.numKvHeads', options.numKvHeads, 1);
  const headDim = requireInteger(op, 'options.headDim', options.headDim, 1);
  const scale = requireFinite(op, 'options.scale', options.scale);
  if (numHeads % numKvHeads !== 0) throw new ArgumentError(`${op}: options.numHeads (${numHeads}) must be a multiple of options.numKvHeads (${numKvHeads})`);
  requireRank(op, 'q', q, 3, '[batch, seq, numHeads * headDim]');
  const [batch, seqLength] = q.shape as [number, number, number];
  requireDim(op, 'q', q, 2, numHeads * headDim, 'numHeads * headDim');
  const caches: [string, TensorSpec][] = vCache ? [['kCache', kCache], ['vCache', vCache]] : [['kCache', kCache]];
  for (const [name, cache] of caches) {
    requireRank(op, name, cache, 4, '[batch, numKvHeads, maxLength, headDim]');
    requireDim(op, name, cache, 0, batch, "q's batch");
    requireDim(op, name, cache, 1, numKvHeads, 'numKvHeads');
    requireDim(op, name, cache, 2, kCache.shape[2]!, "kCache's maxLength");
    requireDim(op, name, cache, 3, headDim, 'headDim');
  }
  const maxLength = kCache.shape[2]!;
  const kvLength = requireInteger(op, 'options.kvLength', options.kvLength, seqLength, maxLength, `q's sequence length to the cache's maxLength`);
  const mask = options.mask ?? undefined;
  if (mask) {
    requireRank(op, 'options.mask', mask, 2, '[batch, kvLength]');
    requireDim(op, 'options.mask', mask, 0, batch, "q's batch");
    requireDim(op, 'options.mask', mask, 1, kvLength, 'kvLength');
  }
  return { batch, seqLength, numHeads, numKvHeads, headDim, maxLength, kvLength, scale };
}
