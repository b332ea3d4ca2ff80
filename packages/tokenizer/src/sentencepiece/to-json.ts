import { FileFormatError } from '@cria/core';
import type { TokenizerJson } from '../json/types.js';
import { PieceType, type SentencePieceModel } from './model.js';

export interface SentencePieceToJsonOptions {
  /** transformers' `legacy` (default true): normalizer Prepend+Replace; false: Metaspace pre-tokenizer, no normalizer. */
  legacy?: boolean;
  /** Prepend ▁ to the text (default true); false drops the Prepend normalizer and the decoder's Strip. */
  add_prefix_space?: boolean;
  /** Tokens the post-processor adds: defaults to bos only, as LlamaTokenizerFast does. */
  add_bos_token?: boolean;
  add_eos_token?: boolean;
}

/**
 * transformers' generate_merges: every split of a piece into two pieces is a merge, ordered by the
 * piece's score (highest first), then by the lengths of the two halves (longer left first), ties in
 * vocabulary order.
 */
function generateMerges(pieces: { piece: string; score: number }[]): [string, string][] {
  const vocab = new Map<string, number>();
  pieces.forEach((p, i) => vocab.set(p.piece, i));
  const merges: { l: string; r: string; score: number; lenL: number; lenR: number; order: number }[] = [];
  for (const { piece, score } of pieces) {
    const chars = [...piece];
    const local: { l: string; r: string; score: number; lenL: number; lenR: number; order: number }[] = [];
    for (let k = 1; k < chars.length; k++) {
      const l = chars.slice(0, k).join('');
      const r = chars.slice(k).join('');
      if (vocab.has(l) && vocab.has(r)) local.push({ l, r, score, lenL: k, lenR: chars.length - k, order: 0 });
    }
    local.sort((a, b) => vocab.get(a.l)! - vocab.get(b.l)! || vocab.get(a.r)! - vocab.get(b.r)!);
    for (const m of local) {
      m.order = merges.length;
      merges.push(m);
    }
  }
  // Python: sorted(key=(score, len(l), len(r)), reverse=True), which is stable: equal keys keep their order.
  merges.sort((a, b) => b.score - a.score || b.lenL - a.lenL || b.lenR - a.lenR || a.order - b.order);
  return merges.map((m) => [m.l, m.r]);
}

/**
 * Converts a SentencePiece BPE model into the tokenizer.json transformers' LlamaConverter writes
 * (the layout of the llama2/ fixture): BPE with byte fallback and merges recovered from piece scores,
 * control and user-defined pieces as added tokens, the legacy or non-legacy whitespace handling, the
 * Replace/ByteFallback/Fuse/Strip decoder, and a TemplateProcessing post-processor adding `<s>`.
 */
export function sentencePieceToTokenizerJson(model: SentencePieceModel, options: SentencePieceToJsonOptions = {}): TokenizerJson {
  const file = 'tokenizer.model';
  if (model.trainer_spec.model_type !== 'BPE') {
    throw new FileFormatError(file, `trainer_spec.model_type is ${model.trainer_spec.model_type}; only BPE models convert to a BPE tokenizer.json`);
  }
  const legacy = options.legacy ?? true;
  const addPrefixSpace = options.add_prefix_space ?? true;
  const addBos = options.add_bos_token ?? true;
  const addEos = options.add_eos_token ?? false;
  const vocab: Record<string, number> = {};
  model.pieces.forEach((p, i) => {
    vocab[p.piece] = i;
  });
  const scored = model.pieces.map((p, i) => ({ piece: p.piece, score: i < 3 ? 0 : p.score }));
  const merges = generateMerges(scored);
  const added = model.pieces
    .map((p, id) => ({ p, id }))
    .filter(({ p }) => p.type === PieceType.CONTROL || p.type === PieceType.UNKNOWN || p.type === PieceType.USER_DEFINED)
    .map(({ p, id }) => ({
      id,
      content: p.piece,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: p.type !== PieceType.USER_DEFINED,
    }));
  const whitespace = model.normalizer_spec.remove_extra_whitespaces
    ? [
        { type: 'Replace', pattern: { Regex: '\\A +| +\\z' }, content: '' },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ]
    : [];
  const normalizer = legacy
    ? {
        type: 'Sequence',
        normalizers: [...whitespace, ...(addPrefixSpace ? [{ type: 'Prepend', prepend: '\u2581' }] : []), { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }],
      }
    : whitespace.length > 0
      ? { type: 'Sequence', normalizers: whitespace }
      : null;
  const preTokenizer = legacy ? null : { type: 'Metaspace', replacement: '\u2581', prepend_scheme: addPrefixSpace ? 'first' : 'never', split: false };
  const bos = model.pieces[model.trainer_spec.bos_id]?.piece ?? '<s>';
  const eos = model.pieces[model.trainer_spec.eos_id]?.piece ?? '</s>';
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer,
    pre_tokenizer: preTokenizer,
    post_processor: llamaTemplateProcessing(addBos ? { token: bos, id: model.trainer_spec.bos_id } : null, addEos ? { token: eos, id: model.trainer_spec.eos_id } : null),
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        ...(addPrefixSpace ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: model.trainer_spec.unk_piece,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

type Special = { token: string; id: number } | null;

/** LlamaTokenizerFast.update_post_processor: `bos:0 $A:0 eos:0` and `... bos:1 $B:1 eos:1`. */
export function llamaTemplateProcessing(bos: Special, eos: Special): Record<string, unknown> {
  const sp = (s: { token: string }, typeId: number) => ({ SpecialToken: { id: s.token, type_id: typeId } });
  const single: unknown[] = [];
  const pair: unknown[] = [];
  if (bos) single.push(sp(bos, 0));
  single.push({ Sequence: { id: 'A', type_id: 0 } });
  if (eos) single.push(sp(eos, 0));
  pair.push(...single);
  if (bos) pair.push(sp(bos, 1));
  pair.push({ Sequence: { id: 'B', type_id: 1 } });
  if (eos) pair.push(sp(eos, 1));
  const special_tokens: Record<string, unknown> = {};
  if (bos) special_tokens[bos.token] = { id: bos.token, ids: [bos.id], tokens: [bos.token] };
  if (eos) special_tokens[eos.token] = { id: eos.token, ids: [eos.id], tokens: [eos.token] };
  return { type: 'TemplateProcessing', single, pair, special_tokens };
}
