import { FileFormatError } from '@cria/core';
import type { Fields } from './fields.js';

/** The result of post-processing: ids with their type ids and which ids the processor added. */
export interface Processed {
  ids: number[];
  typeIds: number[];
  specialMask: number[];
}

/** Adds special tokens around one sequence (b null) or a pair. */
export type PostProcessor = (a: number[], b: number[] | null, addSpecialTokens: boolean) => Processed;

type TemplatePiece = { special: number[] } | { sequence: 'A' | 'B' };
type Template = { piece: TemplatePiece; typeId: number }[];

export function plainConcat(a: number[], b: number[] | null): Processed {
  const ids = b ? [...a, ...b] : [...a];
  return { ids, typeIds: b ? [...a.map(() => 0), ...b.map(() => 1)] : a.map(() => 0), specialMask: ids.map(() => 0) };
}

function parseTemplate(f: Fields, field: string, specials: Map<string, number[]>): Template {
  return f.array(field).map((item, i) => {
    const where = `${f.where}.${field}[${i}]`;
    const it = f.sub(item, where).obj;
    if (it.SpecialToken) {
      const s = f.sub(it.SpecialToken, `${where}.SpecialToken`);
      const name = s.string('id');
      const ids = specials.get(name);
      if (!ids) throw new FileFormatError(f.file, `${where}: special token ${JSON.stringify(name)} is missing from ${f.where}.special_tokens`);
      return { piece: { special: ids }, typeId: s.int('type_id', 0) };
    }
    if (it.Sequence) {
      const s = f.sub(it.Sequence, `${where}.Sequence`);
      const id = s.string('id');
      if (id !== 'A' && id !== 'B') throw new FileFormatError(f.file, `${where}.Sequence.id: expected "A" or "B", got ${JSON.stringify(id)}`);
      return { piece: { sequence: id }, typeId: s.int('type_id', 0) };
    }
    throw new FileFormatError(f.file, `${where}: expected {"SpecialToken": ...} or {"Sequence": ...}`);
  });
}

function applyTemplate(template: Template, a: number[], b: number[] | null): Processed {
  const out: Processed = { ids: [], typeIds: [], specialMask: [] };
  for (const { piece, typeId } of template) {
    const ids = 'special' in piece ? piece.special : piece.sequence === 'A' ? a : (b ?? []);
    const special = 'special' in piece ? 1 : 0;
    for (const id of ids) {
      out.ids.push(id);
      out.typeIds.push(typeId);
      out.specialMask.push(special);
    }
  }
  return out;
}

export function buildPostProcessor(f: Fields): PostProcessor {
  switch (f.obj.type) {
    case 'TemplateProcessing': {
      const specials = new Map<string, number[]>();
      for (const [name, value] of Object.entries(f.object('special_tokens'))) {
        const s = f.sub(value, `${f.where}.special_tokens.${name}`);
        const ids = s.array('ids');
        if (!ids.every((x) => typeof x === 'number' && Number.isInteger(x))) throw new FileFormatError(f.file, `${s.where}.ids: expected integer ids`);
        specials.set(s.string('id'), ids as number[]);
      }
      const single = parseTemplate(f, 'single', specials);
      const pair = parseTemplate(f, 'pair', specials);
      return (a, b, add) => (add ? applyTemplate(b ? pair : single, a, b) : plainConcat(a, b));
    }
    case 'ByteLevel':
      return (a, b) => plainConcat(a, b);
    case 'Sequence': {
      const steps = f.array('processors').map((p, i) => buildPostProcessor(f.sub(p, `${f.where}.processors[${i}]`)));
      const adding = steps.filter((_, i) => (f.array('processors')[i] as { type?: string }).type !== 'ByteLevel');
      if (adding.length > 1) throw new FileFormatError(f.file, `${f.where}: more than one post-processor that adds tokens is not supported`);
      return (a, b, add) => (adding[0] ? adding[0](a, b, add) : plainConcat(a, b));
    }
    case 'BertProcessing':
    case 'RobertaProcessing': {
      const cls = f.array('cls');
      const sep = f.array('sep');
      const clsId = cls[1] as number;
      const sepId = sep[1] as number;
      const isRoberta = f.obj.type === 'RobertaProcessing';
      return (a, b, add) => {
        if (!add) return plainConcat(a, b);
        const template: Template = [
          { piece: { special: [clsId] }, typeId: 0 },
          { piece: { sequence: 'A' }, typeId: 0 },
          { piece: { special: [sepId] }, typeId: 0 },
        ];
        if (b) {
          if (isRoberta) template.push({ piece: { special: [sepId] }, typeId: 0 });
          template.push({ piece: { sequence: 'B' }, typeId: isRoberta ? 0 : 1 }, { piece: { special: [sepId] }, typeId: isRoberta ? 0 : 1 });
        }
        return applyTemplate(template, a, b);
      };
    }
    default:
      return f.unknownType('post_processor');
  }
}
