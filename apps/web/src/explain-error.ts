// Turns what went wrong into a sentence a person can act on.

/** A message for the page: memory limits and missing WebGPU get an explanation, the rest their own message. */
export function explainError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/out of memory|OOM|allocation failed|larger than one WebGPU binding|maxBufferSize|device lost/i.test(message)) {
    return (
      `The model does not fit in what this GPU lets the page use (${message}). ` +
      'Try a smaller model or a smaller dtype (float16 / bfloat16 checkpoints), close other GPU-heavy tabs, or use a machine with more GPU memory.'
    );
  }
  if (/no backend available|no WebGPU adapter|navigator\.gpu/i.test(message)) {
    return `WebGPU is not available in this browser (${message}). Use a recent Chrome or Edge, or enable WebGPU in the browser's flags.`;
  }
  if (/aborted/i.test(message)) return 'Stopped.';
  return message;
}
