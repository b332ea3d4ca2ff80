import { FileFormatError } from '@cria/core';

/** One tiktoken rank entry: the token's bytes and its rank (= id). */
export interface TiktokenEntry {
  bytes: Uint8Array;
  rank: number;
}

/**
 * Parses a tiktoken BPE file (Meta's Llama 3 `tokenizer.model`): one `base64(token bytes) rank` per
 * line. Ranks must be distinct; Llama 3's are 0..127999 in order.
 */
export function parseTiktoken(text: string, file = 'tokenizer.model'): TiktokenEntry[] {
  if (typeof text !== 'string') throw new FileFormatError(file, 'expected the text of a tiktoken file');
  const out: TiktokenEntry[] = [];
  const seen = new Set<number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '') continue;
    const m = /^([A-Za-z0-9+/]+={0,2}) (\d+)$/.exec(line);
    if (!m) throw new FileFormatError(file, `line ${i + 1}: expected "base64 rank", got ${JSON.stringify(line.slice(0, 60))}`);
    const rank = Number(m[2]);
    if (seen.has(rank)) throw new FileFormatError(file, `line ${i + 1}: rank ${rank} appears twice`);
    seen.add(rank);
    const bytes = decodeBase64(m[1]!);
    if (bytes.length === 0) throw new FileFormatError(file, `line ${i + 1}: empty token`);
    out.push({ bytes, rank });
  }
  if (out.length === 0) throw new FileFormatError(file, 'no "base64 rank" lines (not a tiktoken file?)');
  return out;
}

/** True when the bytes look like a tiktoken text file rather than a SentencePiece protobuf. */
export function looksLikeTiktoken(bytes: Uint8Array): boolean {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 64));
  return /^[A-Za-z0-9+/]+={0,2} \d+\r?\n/.test(head);
}

function decodeBase64(b64: string): Uint8Array {
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
