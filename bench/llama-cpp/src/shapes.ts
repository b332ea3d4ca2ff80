// The shapes the bench runs: config.json of the published models (@cria/config's MODEL_SHAPES, the shapes
// `cria bench --shape` uses), with the tokenizer fixture each one ships with. Weights are random; only sizes and RoPE
// settings matter.
import { MODEL_SHAPES } from '@cria/config';

export interface BenchShape {
  config: Readonly<Record<string, unknown>>;
  /** Folder under fixtures/tokenizers, and the files a Hugging Face folder of that model has. */
  tokenizer: { fixture: string; files: readonly string[] };
}

export const SHAPES: Readonly<Record<string, BenchShape>> = {
  stories110M: {
    config: MODEL_SHAPES.stories110M,
    tokenizer: { fixture: 'llama2', files: ['tokenizer.model', 'tokenizer.json', 'tokenizer_config.json'] },
  },
  'llama-3.2-1b': {
    config: MODEL_SHAPES['llama-3.2-1b'],
    // the hub folder has tokenizer.json and tokenizer_config.json (Meta's tiktoken file sits under original/)
    tokenizer: { fixture: 'llama3', files: ['tokenizer.json', 'tokenizer_config.json'] },
  },
};
