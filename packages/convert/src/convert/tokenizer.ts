// tokenizer.model -> tokenizer.json + tokenizer_config.json + special_tokens_map.json, as the
// seed script's write_tokenizer does: SentencePiece (LLaMA 1/2) through LlamaTokenizerFast's
// converter, Llama 3 tiktoken through its TikTokenConverter with the version's special tokens.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileFormatError } from '@cria/core';
import { llama3TokenizerConfig, parseSentencePieceModel, sentencePieceTokenizerConfig, sentencePieceToTokenizerJson, tiktokenToTokenizerJson, type TokenizerJson } from '@cria/tokenizer';
import { isLlama3, type LlamaVersion } from './llama-versions.js';
import { pythonJson } from './hf-config.js';

export interface TokenizerConversionResult {
  /** len(tokenizer): the base vocabulary plus the added special tokens. */
  vocabSize: number;
  files: string[];
}

const addedToken = (content: string) => ({ content, lstrip: false, normalized: false, rstrip: false, single_word: false });

export async function convertLlamaTokenizer(
  tokenizerModelPath: string,
  outputDir: string,
  options: { version: LlamaVersion; instruct?: boolean },
): Promise<TokenizerConversionResult> {
  const instruct = options.instruct ?? false;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(tokenizerModelPath));
  } catch (error) {
    throw new FileFormatError(tokenizerModelPath, `cannot read the tokenizer: ${(error as Error).message}`, { cause: error });
  }
  await mkdir(outputDir, { recursive: true });
  if (isLlama3(options.version)) {
    // Llama Guard 3 uses the 3.1 special tokens.
    const version = options.version === '3' ? '3' : options.version === '3.2' ? '3.2' : '3.1';
    const json = tiktokenToTokenizerJson(new TextDecoder('utf-8', { fatal: false }).decode(bytes), { version, instruct });
    const config = llama3TokenizerConfig({ version, instruct });
    const eos = instruct ? '<|eot_id|>' : '<|end_of_text|>';
    await writeTokenizerFiles(outputDir, json, config, { bos_token: addedToken('<|begin_of_text|>'), eos_token: addedToken(eos) });
    return { vocabSize: vocabSizeOf(json), files: ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'] };
  }
  const model = parseSentencePieceModel(bytes, tokenizerModelPath);
  const json = sentencePieceToTokenizerJson(model);
  const specials = (json.added_tokens ?? []).filter((t) => t.special);
  const addedTokensDecoder: Record<string, unknown> = {};
  for (const t of specials) addedTokensDecoder[String(t.id)] = { ...addedToken(t.content), special: true };
  const pieceAt = (id: number, fallback: string) => model.pieces[id]?.piece ?? fallback;
  const unk = pieceAt(model.trainer_spec.unk_id ?? 0, '<unk>');
  const bos = pieceAt(model.trainer_spec.bos_id ?? 1, '<s>');
  const eos = pieceAt(model.trainer_spec.eos_id ?? 2, '</s>');
  // LlamaTokenizer's settings (and, with --instruct, the Llama 2 chat template) from @cria/tokenizer;
  // the token names and the added-token table from this model.
  const config: Record<string, unknown> = {
    ...sentencePieceTokenizerConfig({ version: options.version === '1' ? '1' : '2', instruct }),
    added_tokens_decoder: addedTokensDecoder,
    bos_token: bos,
    eos_token: eos,
    unk_token: unk,
  };
  await writeTokenizerFiles(outputDir, json, config, { bos_token: addedToken(bos), eos_token: addedToken(eos), unk_token: addedToken(unk) });
  await copyFile(tokenizerModelPath, join(outputDir, 'tokenizer.model'));
  return { vocabSize: vocabSizeOf(json), files: ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.model'] };
}

function vocabSizeOf(json: TokenizerJson): number {
  const ids = new Set<number>();
  const vocab = (json.model as { vocab?: Record<string, number> }).vocab ?? {};
  for (const id of Object.values(vocab)) ids.add(id);
  for (const t of json.added_tokens ?? []) ids.add(t.id);
  return ids.size;
}

async function writeTokenizerFiles(dir: string, json: TokenizerJson, config: Record<string, unknown>, specialTokensMap: Record<string, unknown>): Promise<void> {
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(json, null, 2) + '\n');
  await writeFile(join(dir, 'tokenizer_config.json'), pythonJson(config));
  await writeFile(join(dir, 'special_tokens_map.json'), pythonJson(specialTokensMap));
}
