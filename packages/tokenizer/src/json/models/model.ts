/** A tokenization model: turns one pre-tokenized word into ids, and maps ids and tokens. */
export interface Model {
  readonly vocabSize: number;
  /** Appends the ids of one pre-tokenized word to `out`. */
  tokenizeWord(word: string, out: number[]): void;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
}
