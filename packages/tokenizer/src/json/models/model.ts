/** A tokenization model: turns one pre-tokenized word into ids, and maps ids and tokens. */
export interface Model {
  readonly vocabSize: number;
  tokenizeWord(word: string): number[];
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
}
