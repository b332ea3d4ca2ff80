// pipeline(): each task wires tokenizer and model as the pieces do by hand.
import { AutoTokenizer } from '@cria/tokenizer';
import { fixture } from '@cria/core/testing';
import { describe, expect, it } from 'vitest';
import { LlamaForCausalLM, LlamaForSequenceClassification, disposeOutput, pipeline } from '../src/index.js';

describe('pipeline', () => {
  it("'text-generation' returns the prompt and the greedy continuation the model gives", async () => {
    const dir = fixture('models', 'llama2c-260k');
    const heard: string[] = [];
    const generator = await pipeline('text-generation', dir, { device: 'cpu', progress_callback: (info) => heard.push(info.status) });
    expect(heard[0]).toBe('initiate');
    expect(heard.at(-1)).toBe('ready');
    const [result] = await generator('Once upon a time', { max_new_tokens: 12 });
    const tokenizer = await AutoTokenizer.from_pretrained(dir);
    const model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' });
    const prompt = tokenizer.encode('Once upon a time');
    const [ids] = await model.generate([prompt], { max_new_tokens: 12 });
    expect(result!.generated_text).toBe('Once upon a time' + tokenizer.decode(ids!.slice(prompt.length), { skip_special_tokens: true }));
    const [short] = await generator('Once upon a time', { max_new_tokens: 12, return_full_text: false });
    expect(result!.generated_text.endsWith(short!.generated_text)).toBe(true);
    model.dispose();
    generator.dispose();
  });

  it("'text-classification' gives softmax scores of the sequence-classification logits", async () => {
    const dir = fixture('models', 'tiny-llama-seqcls');
    const tokenizerDir = fixture('tokenizers', 'tok512'); // the tiny models share its 512-token vocabulary size
    const classify = await pipeline('text-classification', dir, { device: 'cpu', tokenizer: tokenizerDir });
    const all = await classify('Lily saw a cat.', { top_k: null });
    expect(all).toHaveLength(3);
    expect(all.reduce((s, r) => s + r.score, 0)).toBeCloseTo(1, 6);
    const model = await LlamaForSequenceClassification.from_pretrained(dir, { device: 'cpu' });
    const out = await model.forward({ input_ids: [classify.tokenizer.encode('Lily saw a cat.')], use_cache: false });
    const logits = Array.from(await out.logits!.toFloat32());
    const bestIndex = logits.indexOf(Math.max(...logits));
    const [top] = await classify('Lily saw a cat.');
    expect(top!.label).toBe(`LABEL_${bestIndex}`);
    disposeOutput(out);
    model.dispose();
    classify.dispose();
  });

  it("'token-classification' and 'question-answering' run end to end", async () => {
    const tokenizer = fixture('tokenizers', 'tok512');
    const tagger = await pipeline('token-classification', fixture('models', 'tiny-llama-tokcls'), { device: 'cpu', tokenizer });
    const tags = await tagger('Tom has a red ball.', { ignore_labels: [] });
    expect(tags.length).toBe(tagger.tokenizer.encode('Tom has a red ball.', { add_special_tokens: false }).length);
    for (const t of tags) expect(t.entity).toMatch(/^LABEL_[0-4]$/);
    const qa = await pipeline('question-answering', fixture('models', 'tiny-llama-qa'), { device: 'cpu', tokenizer });
    const answer = await qa('Who has a ball?', 'Tom has a red ball.');
    expect(answer.score).toBeGreaterThan(0);
    expect(answer.end).toBeGreaterThanOrEqual(answer.start);
    expect('Tom has a red ball.').toContain(answer.answer);
    tagger.dispose();
    qa.dispose();
  });

  it('rejects unknown tasks by name', async () => {
    await expect(pipeline('summarization' as never, 'x')).rejects.toThrow(/summarization/);
  });
});
