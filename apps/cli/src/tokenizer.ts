// Loads the tokenizer of a model directory through @cria/tokenizer's AutoTokenizer.
import { UsageError } from './args.js';

/** What the CLI needs of a tokenizer (transformers' names). */
export interface CliTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

export async function loadTokenizer(dir: string): Promise<CliTokenizer> {
  const mod = (await import('@cria/tokenizer')) as unknown as { AutoTokenizer?: { from_pretrained(dir: string): Promise<CliTokenizer> } };
  if (!mod.AutoTokenizer) throw new UsageError('this build of @cria/tokenizer has no AutoTokenizer; pass --prompt-ids instead of --prompt');
  return mod.AutoTokenizer.from_pretrained(dir);
}

/** "1,2,3" -> [1, 2, 3]. */
export function parseIds(command: string, text: string): number[] {
  const ids = text.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (ids.length === 0 || ids.some((x) => !Number.isInteger(x) || x < 0)) throw new UsageError(`cria ${command}: --prompt-ids must be comma-separated token ids, got '${text}'`);
  return ids;
}
