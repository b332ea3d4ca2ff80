// gguf-py's SpecialVocab, which convert_hf_to_gguf.py uses for every vocabulary: merges from tokenizer.json,
// special token ids (tokenizer_config.json's *_token matched against tokenizer.json's added tokens, then
// config.json's *_token_id), add_*_token flags (read off the post-processor's TemplateProcessing, then
// tokenizer_config.json) and the chat template, written in the order it writes them.
import { ArgumentError } from '@cria/core';
import { type GgufMetadata, gguf } from './metadata.js';

type Json = Record<string, unknown>;

export interface SpecialVocabInput {
  tokenizerJson?: Json | undefined;
  tokenizerConfig?: Json | undefined;
  config: Json;
  loadMerges: boolean;
  /** chat_template.jinja's text (or chat_template.json's chat_template), used when tokenizer_config.json has none. */
  chatTemplateFile?: string | { name?: string; template?: string }[] | undefined;
  /** Ids at or above this are ignored (the SentencePiece path passes the token count). */
  nVocab?: number | undefined;
}

export interface SpecialVocab {
  merges: string[];
  ids: Map<string, number>;
  add: Map<string, boolean>;
  chatTemplate: string | { name?: string; template?: string }[] | null;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Python truthiness of a JSON value. */
const truthy = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 : isObject(v) ? Object.keys(v).length > 0 : Boolean(v));
const get = (o: unknown, key: string): unknown => (isObject(o) ? o[key] : undefined);
const specialTokenId = (item: unknown): unknown => get(get(item, 'SpecialToken'), 'id');
const sequenceId = (item: unknown): unknown => get(get(item, 'Sequence'), 'id');

/** Merges as gguf-py stores them: "a b" strings; pair-form merges joined, spaces inside a part escaped as U+0120+... */
function mergesOf(tokenizerJson: Json): string[] {
  const merges = get(tokenizerJson.model, 'merges');
  if (!Array.isArray(merges) || merges.length === 0) return [];
  if (typeof merges[0] === 'string') return merges as string[];
  return (merges as string[][]).map((pair) => pair.map((part) => part.replace(/ /g, String.fromCodePoint(0x20 + 256))).join(' '));
}

export function loadSpecialVocab(input: SpecialVocabInput): SpecialVocab {
  const vocab: SpecialVocab = { merges: [], ids: new Map(), add: new Map(), chatTemplate: null };
  let types = ['bos', 'eos', 'unk', 'sep', 'pad', 'cls', 'mask'];
  const setId = (typ: string, id: unknown): void => {
    if (typeof id !== 'number' || !Number.isInteger(id)) return;
    if (id < 0) throw new ArgumentError(`writeLlamaGguf: the ${typ} token id must not be negative, got ${id}`);
    if (input.nVocab === undefined || id < input.nVocab) {
      if (!vocab.ids.has(typ)) vocab.ids.set(typ, id);
    }
  };

  const tokenizer = input.tokenizerJson;
  // a copy: the template reading below edits it as gguf-py edits its parsed tokenizer_config
  const tc: Json | undefined = input.tokenizerConfig ? { ...input.tokenizerConfig } : undefined;
  let addedTokens: unknown[] = [];
  if (tokenizer) {
    if (input.loadMerges) vocab.merges = mergesOf(tokenizer);
    addedTokens = Array.isArray(tokenizer.added_tokens) ? tokenizer.added_tokens : [];
    let bos = tc?.bos_token, cls = tc?.cls_token, eos = tc?.eos_token, sep = tc?.sep_token;
    if (!truthy(bos) && truthy(cls) && tc && truthy(tc)) tc.bos_token = bos = cls;
    if (!truthy(eos) && truthy(sep) && tc && truthy(tc)) tc.eos_token = eos = sep;
    const post = tokenizer.post_processor;
    const processors = truthy(post) ? (Array.isArray(get(post, 'processors')) ? (get(post, 'processors') as unknown[]) : [post]) : [];
    for (const processor of processors) {
      const kind = get(processor, 'type');
      if (kind === 'RobertaProcessing') {
        vocab.add.set('bos', true);
        vocab.add.set('eos', true);
        vocab.add.set('sep', true);
        if (!truthy(cls) && tc && truthy(tc)) tc.cls_token = cls = (get(processor, 'cls') as unknown[] | undefined)?.[0] ?? bos;
        if (!truthy(sep) && tc && truthy(tc)) tc.sep_token = sep = (get(processor, 'sep') as unknown[] | undefined)?.[0] ?? eos;
        continue;
      }
      if (kind !== 'TemplateProcessing') continue;
      const single = (get(processor, 'single') as unknown[] | undefined) ?? [];
      let pair = (get(processor, 'pair') as unknown[] | undefined) ?? [];
      let first: unknown = undefined;
      let last: unknown = undefined;
      const hasConfig = tc !== undefined && truthy(tc);
      if (single.length > 1) {
        first = specialTokenId(single[0]);
        if (truthy(first)) {
          if (!hasConfig) bos = first;
          vocab.add.set('bos', first === bos || first === cls);
        }
        last = specialTokenId(single[single.length - 1]);
        if (truthy(last)) {
          if (!hasConfig) eos = last;
          else if (last !== eos) {
            if (!types.includes('eot')) {
              types = [...types, 'eot'];
              tc!.eot_token = eos;
            } else if (!types.includes('eom')) {
              types = [...types, 'eom'];
              tc!.eom_token = eos;
            }
            tc!.eos_token = eos = last;
          }
          vocab.add.set('eos', last === eos);
        }
      }
      if (pair.length > 0) {
        const start = truthy(first) && specialTokenId(pair[0]) === first ? 1 : 0;
        const stop = truthy(last) && specialTokenId(pair[pair.length - 1]) === last ? pair.length - 1 : pair.length;
        pair = pair.slice(start, stop);
        if (pair.length > 0) {
          const a = sequenceId(pair[0]);
          const b = sequenceId(pair[pair.length - 1]);
          const middle = pair.slice(1, -1);
          if (a === 'A' && b === 'B' && middle.length > 0) {
            let addSep = false;
            const entry = specialTokenId(middle[0]);
            if (truthy(entry) && (entry === sep || entry === eos) && !truthy(last)) addSep = true;
            if (middle.length === 2) {
              const second = specialTokenId(middle[1]);
              if (truthy(second) && (second === sep || second === eos)) addSep = true;
            }
            vocab.add.set('sep', addSep);
            if (addSep && !truthy(sep) && tc && truthy(tc)) tc.sep_token = eos;
          }
        }
      }
    }
  }
  if (tc && truthy(tc)) {
    const template = 'chat_template' in tc ? tc.chat_template : input.chatTemplateFile;
    if (typeof template === 'string' || Array.isArray(template)) vocab.chatTemplate = template as SpecialVocab['chatTemplate'];
    for (const typ of types) {
      const add = tc[`add_${typ}_token`];
      if (typeof add === 'boolean') vocab.add.set(typ, add);
      const entry = tc[`${typ}_token`];
      const content = typeof entry === 'string' ? entry : isObject(entry) && typeof entry.content === 'string' ? entry.content : undefined;
      if (content === undefined) continue;
      setId(typ, (addedTokens.find((t) => get(t, 'content') === content) as Json | undefined)?.id);
    }
  }
  const textConfig = get(input.config, 'text_config');
  for (const typ of types) setId(typ, input.config[`${typ}_token_id`] ?? get(textConfig, `${typ}_token_id`));
  return vocab;
}

const ID_KEYS: Readonly<Record<string, string>> = {
  bos: 'tokenizer.ggml.bos_token_id',
  eos: 'tokenizer.ggml.eos_token_id',
  unk: 'tokenizer.ggml.unknown_token_id',
  sep: 'tokenizer.ggml.seperator_token_id', // sic: llama.cpp's key
  pad: 'tokenizer.ggml.padding_token_id',
  mask: 'tokenizer.ggml.mask_token_id',
  eot: 'tokenizer.ggml.eot_token_id',
  eom: 'tokenizer.ggml.eom_token_id',
};
const ADD_KEYS: Readonly<Record<string, string>> = {
  bos: 'tokenizer.ggml.add_bos_token',
  eos: 'tokenizer.ggml.add_eos_token',
  sep: 'tokenizer.ggml.add_sep_token',
};

/** SpecialVocab.add_to_gguf: merges, ids, add flags, chat template (types without a GGUF key are skipped, as there). */
export function addSpecialVocab(m: GgufMetadata, vocab: SpecialVocab): void {
  if (vocab.merges.length > 0) m.set('tokenizer.ggml.merges', gguf.array('string', vocab.merges));
  for (const [typ, id] of vocab.ids) if (ID_KEYS[typ]) m.set(ID_KEYS[typ], gguf.uint32(id));
  for (const [typ, add] of vocab.add) if (ADD_KEYS[typ]) m.set(ADD_KEYS[typ], gguf.bool(add));
  const template = vocab.chatTemplate;
  if (typeof template === 'string') {
    if (template) m.set('tokenizer.chat_template', gguf.string(template));
  } else if (Array.isArray(template)) {
    let fallback: string | undefined;
    const names = new Set<string>();
    for (const choice of template) {
      const name = String(choice?.name ?? '').replace(/[^A-Za-z0-9]/g, '_');
      if (!name || choice?.template === undefined || choice.template === null) continue;
      if (name === 'default') fallback = choice.template;
      else {
        names.add(name);
        if (choice.template) m.set(`tokenizer.chat_template.${name}`, gguf.string(choice.template));
      }
    }
    if (names.size > 0) m.set('tokenizer.chat_templates', gguf.array('string', [...names]));
    if (fallback) m.set('tokenizer.chat_template', gguf.string(fallback));
  }
}
