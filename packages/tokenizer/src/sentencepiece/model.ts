import { FileFormatError } from '@cria/core';
import { type ProtoField, protoFloat, protoString, protoVarint, readProtoFields } from './protobuf.js';

/** sentencepiece's ModelProto.SentencePiece.Type. */
export const PieceType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface SentencePiece {
  piece: string;
  score: number;
  type: number;
}

/** The TrainerSpec fields tokenization depends on (sentencepiece defaults where absent). */
export interface TrainerSpec {
  model_type: 'UNIGRAM' | 'BPE' | 'WORD' | 'CHAR';
  vocab_size: number;
  byte_fallback: boolean;
  treat_whitespace_as_suffix: boolean;
  split_digits: boolean;
  unk_id: number;
  bos_id: number;
  eos_id: number;
  pad_id: number;
  unk_piece: string;
  bos_piece: string;
  eos_piece: string;
  pad_piece: string;
  unk_surface: string;
}

export interface NormalizerSpec {
  name: string;
  precompiled_charsmap: Uint8Array;
  add_dummy_prefix: boolean;
  remove_extra_whitespaces: boolean;
  escape_whitespaces: boolean;
}

/** A parsed SentencePiece `tokenizer.model`. `raw` keeps the top-level fields for re-serialising. */
export interface SentencePieceModel {
  pieces: SentencePiece[];
  trainer_spec: TrainerSpec;
  normalizer_spec: NormalizerSpec;
  raw: ProtoField[];
}

const MODEL_TYPES = { 1: 'UNIGRAM', 2: 'BPE', 3: 'WORD', 4: 'CHAR' } as const;

/**
 * Parses the protobuf of a SentencePiece model (sentencepiece_model.proto): pieces with scores and
 * types, the trainer spec (model type, byte fallback, special ids) and the normalizer spec.
 */
export function parseSentencePieceModel(bytes: Uint8Array, file = 'tokenizer.model'): SentencePieceModel {
  if (!(bytes instanceof Uint8Array)) throw new FileFormatError(file, 'expected the bytes of a SentencePiece model (Uint8Array)');
  const raw = readProtoFields(bytes, file, 'ModelProto');
  const pieces: SentencePiece[] = [];
  const trainer: TrainerSpec = {
    model_type: 'UNIGRAM',
    vocab_size: 8000,
    byte_fallback: false,
    treat_whitespace_as_suffix: false,
    split_digits: false,
    unk_id: 0,
    bos_id: 1,
    eos_id: 2,
    pad_id: -1,
    unk_piece: '<unk>',
    bos_piece: '<s>',
    eos_piece: '</s>',
    pad_piece: '<pad>',
    unk_surface: ' \u2047 ',
  };
  const normalizer: NormalizerSpec = {
    name: 'nmt_nfkc',
    precompiled_charsmap: new Uint8Array(0),
    add_dummy_prefix: true,
    remove_extra_whitespaces: true,
    escape_whitespaces: true,
  };
  let sawTrainer = false;
  for (const f of raw) {
    if (f.field === 1) {
      const where = `pieces[${pieces.length}]`;
      if (f.wire !== 2) throw new FileFormatError(file, `${where}: expected a message`);
      const piece: SentencePiece = { piece: '', score: 0, type: PieceType.NORMAL };
      let hasPiece = false;
      for (const g of readProtoFields(f.bytes!, file, where)) {
        if (g.field === 1) {
          piece.piece = protoString(g, file, `${where}.piece`);
          hasPiece = true;
        } else if (g.field === 2) piece.score = protoFloat(g, file, `${where}.score`);
        else if (g.field === 3) piece.type = protoVarint(g, file, `${where}.type`);
      }
      if (!hasPiece) throw new FileFormatError(file, `${where}: has no piece string`);
      if (piece.type < 1 || piece.type > 6) throw new FileFormatError(file, `${where}.type: expected 1..6, got ${piece.type}`);
      pieces.push(piece);
    } else if (f.field === 2) {
      sawTrainer = true;
      if (f.wire !== 2) throw new FileFormatError(file, 'trainer_spec: expected a message');
      for (const g of readProtoFields(f.bytes!, file, 'trainer_spec')) {
        const w = `trainer_spec field ${g.field}`;
        switch (g.field) {
          case 3: {
            const t = protoVarint(g, file, 'trainer_spec.model_type');
            const name = MODEL_TYPES[t as keyof typeof MODEL_TYPES];
            if (!name) throw new FileFormatError(file, `trainer_spec.model_type: unknown value ${t}`);
            trainer.model_type = name;
            break;
          }
          case 4: trainer.vocab_size = protoVarint(g, file, w); break;
          case 24: trainer.treat_whitespace_as_suffix = protoVarint(g, file, w) !== 0; break;
          case 25: trainer.split_digits = protoVarint(g, file, w) !== 0; break;
          case 35: trainer.byte_fallback = protoVarint(g, file, w) !== 0; break;
          case 40: trainer.unk_id = protoVarint(g, file, w); break;
          case 41: trainer.bos_id = protoVarint(g, file, w); break;
          case 42: trainer.eos_id = protoVarint(g, file, w); break;
          case 43: trainer.pad_id = protoVarint(g, file, w); break;
          case 44: trainer.unk_surface = protoString(g, file, w); break;
          case 45: trainer.unk_piece = protoString(g, file, w); break;
          case 46: trainer.bos_piece = protoString(g, file, w); break;
          case 47: trainer.eos_piece = protoString(g, file, w); break;
          case 48: trainer.pad_piece = protoString(g, file, w); break;
        }
      }
    } else if (f.field === 3) {
      if (f.wire !== 2) throw new FileFormatError(file, 'normalizer_spec: expected a message');
      for (const g of readProtoFields(f.bytes!, file, 'normalizer_spec')) {
        const w = `normalizer_spec field ${g.field}`;
        switch (g.field) {
          case 1: normalizer.name = protoString(g, file, w); break;
          case 2: normalizer.precompiled_charsmap = g.bytes ?? new Uint8Array(0); break;
          case 3: normalizer.add_dummy_prefix = protoVarint(g, file, w) !== 0; break;
          case 4: normalizer.remove_extra_whitespaces = protoVarint(g, file, w) !== 0; break;
          case 5: normalizer.escape_whitespaces = protoVarint(g, file, w) !== 0; break;
        }
      }
    }
  }
  if (pieces.length === 0) throw new FileFormatError(file, 'has no pieces (not a SentencePiece model?)');
  if (!sawTrainer) throw new FileFormatError(file, 'has no trainer_spec (not a SentencePiece model?)');
  return { pieces, trainer_spec: trainer, normalizer_spec: normalizer, raw };
}
