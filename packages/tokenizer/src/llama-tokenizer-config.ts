// What the slow and the fast Llama tokenizer add to tokenizer_config.json when saved (as LlamaTokenizer does).

/** Sets tokenizer_class and LlamaTokenizer's flags on `config` and returns it. */
export function withLlamaTokenizerConfig(config: Record<string, unknown>, flags: { addBos: boolean; addEos: boolean; legacy: boolean }): Record<string, unknown> {
  config.tokenizer_class = 'LlamaTokenizer';
  config.add_bos_token = flags.addBos;
  config.add_eos_token = flags.addEos;
  config.legacy = flags.legacy;
  return config;
}
