// Run from packages/models after `pnpm build`: node examples/generate.mjs
import { AutoTokenizer } from '@cria/tokenizer';
import { LlamaForCausalLM, disposeOutput, pipeline } from '@cria/models';

const dir = new URL('../../../fixtures/models/llama2c-260k', import.meta.url).pathname;
const tokenizer = await AutoTokenizer.from_pretrained(dir);
const model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu', dtype: 'auto' });
console.log('device:', model.device);

const prompt = tokenizer.encode('Once upon a time');
const [ids] = await model.generate([prompt], { max_new_tokens: 20, do_sample: true, temperature: 0.8, top_k: 40, seed: 1 });
console.log(tokenizer.decode(ids, { skip_special_tokens: true }));

const out = await model.forward({ input_ids: [prompt], labels: [prompt], output_hidden_states: true });
console.log('logits', out.logits.shape, 'loss', (await out.loss.toFloat32())[0], 'hidden states', out.hidden_states.length);
disposeOutput(out);
model.dispose();

const generator = await pipeline('text-generation', dir, { device: 'cpu' });
console.log(await generator('Once upon a time', { max_new_tokens: 20 }));
generator.dispose();
