/** Which Llama 3 release a tiktoken model belongs to: it decides the names of ids 128000-128255. */
export type Llama3Version = '3' | '3.1' | '3.2';

const RESERVED = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `<|reserved_special_token_${from + i}|>`);

/** The 256 special tokens after the 128000 BPE ranks, named as Meta and transformers' converter name them. */
export function llama3SpecialTokens(version: Llama3Version): string[] {
  if (version === '3') {
    return [
      '<|begin_of_text|>',
      '<|end_of_text|>',
      ...RESERVED(0, 4),
      '<|start_header_id|>',
      '<|end_header_id|>',
      '<|reserved_special_token_4|>',
      '<|eot_id|>',
      ...RESERVED(5, 256 - 5),
    ];
  }
  return [
    '<|begin_of_text|>',
    '<|end_of_text|>',
    '<|reserved_special_token_0|>',
    '<|reserved_special_token_1|>',
    '<|finetune_right_pad_id|>',
    '<|reserved_special_token_2|>',
    '<|start_header_id|>',
    '<|end_header_id|>',
    '<|eom_id|>',
    '<|eot_id|>',
    '<|python_tag|>',
    ...RESERVED(3, 256 - 8),
  ];
}

/** The Llama 3 pre-tokenization pattern (tiktoken's, as Meta's tokenizer.py and tokenizer.json use it). */
export const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
