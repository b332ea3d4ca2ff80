import type { Tensor } from '@cria/core';
import type { Cache } from './cache.js';

/** transformers' BaseModelOutputWithPast. */
export interface BaseModelOutput {
  last_hidden_state: Tensor;
  past_key_values?: Cache;
  /** The embeddings, then each layer's output; the last one is after the final norm. */
  hidden_states?: Tensor[];
  /** Per layer: float32 [B, numHeads, S, kvLength]. */
  attentions?: Tensor[];
}

/** The outputs of every head (fields as transformers names them; each head fills its own). */
export interface ModelOutput extends BaseModelOutput {
  logits?: Tensor;
  /** A scalar float32 tensor (shape []). */
  loss?: Tensor;
  start_logits?: Tensor;
  end_logits?: Tensor;
}

/** Frees every tensor of an output (and its cache, unless `keepCache`). */
export function disposeOutput(output: ModelOutput, options: { keepCache?: boolean } = {}): void {
  const seen = new Set<Tensor>();
  const free = (t: Tensor | undefined) => {
    if (t && !seen.has(t)) {
      seen.add(t);
      t.dispose();
    }
  };
  free(output.last_hidden_state);
  free(output.logits);
  free(output.loss);
  free(output.start_logits);
  free(output.end_logits);
  output.hidden_states?.forEach(free);
  output.attentions?.forEach(free);
  if (!options.keepCache) output.past_key_values?.dispose();
}
