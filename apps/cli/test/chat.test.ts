// cria chat over piped (non-TTY) input, against greedy generate() on prompts rendered by hand.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fixture } from '@cria/core/testing';
import { LlamaForCausalLM } from '@cria/models';
import { AutoTokenizer, type PreTrainedTokenizer } from '@cria/tokenizer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runChat } from '../src/commands/chat.js';
import { main } from '../src/main.js';

// A Llama-2-like template: every piece of it is written out again by hand in render() below.
const TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}<<SYS>>{{ message['content'] }}<</SYS>>" +
  "{% elif message['role'] == 'user' %}[INST] {{ message['content'] }} [/INST]{% else %} {{ message['content'] }}{{ eos_token }}{% endif %}{% endfor %}";

function render(system: string | undefined, turns: [string, string?][]): string {
  let text = '<s>' + (system ? `<<SYS>>${system}<</SYS>>` : '');
  for (const [user, assistant] of turns) text += `[INST] ${user} [/INST]` + (assistant === undefined ? '' : ` ${assistant}</s>`);
  return text;
}

/** llama2c-260k with a tokenizer_config.json that has a chat template. */
function chatModelDir(): string {
  const source = fixture('models', 'llama2c-260k');
  const dir = mkdtempSync(join(tmpdir(), 'cria-chat-'));
  for (const file of ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer.model']) copyFileSync(join(source, file), join(dir, file));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'LlamaTokenizer', add_bos_token: true, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', legacy: true, chat_template: TEMPLATE }),
  );
  return dir;
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

async function chat(argv: string[], input: string): Promise<{ out: string; err: string }> {
  const output = new Collect();
  const error = new Collect();
  await runChat(argv, { input: Readable.from([input]), output, error });
  return { out: output.text, err: error.text };
}

const MAX_NEW = 10;
let dir: string;
let model: LlamaForCausalLM;
let tokenizer: PreTrainedTokenizer;

/** The greedy reply of generate() to a rendered prompt, decoded as chat decodes it. */
async function greedyReply(rendered: string): Promise<string> {
  const ids = tokenizer.encode(rendered, { add_special_tokens: false });
  expect(ids[0]).toBe(1); // '<s>' in the text is the BOS token
  const [sequence] = await model.generate([ids], { max_new_tokens: MAX_NEW });
  return tokenizer.decode(sequence!.slice(ids.length), { skip_special_tokens: true });
}

beforeAll(async () => {
  dir = chatModelDir();
  model = await LlamaForCausalLM.from_pretrained(dir, { device: 'cpu' });
  tokenizer = await AutoTokenizer.from_pretrained(dir);
});

afterAll(() => {
  model?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cria chat', () => {
  it('keeps the conversation, resets it, and each reply is greedy generate() on the rendered conversation', async () => {
    const first = await greedyReply(render(undefined, [['Once upon a time']]));
    const second = await greedyReply(render(undefined, [['Once upon a time', first], ['The cat sat']]));
    expect(first.trim()).not.toBe('');
    expect(first).not.toBe(second);
    const { out, err } = await chat(['--model', dir, '--device', 'cpu', '--max-new-tokens', String(MAX_NEW)], 'Once upon a time\nThe cat sat\n/reset\n\nOnce upon a time\n/exit\nnever read\n');
    expect(out).toBe(`${first}\n${second}\n${first}\n`);
    expect(err).toMatch(/conversation reset/);
    expect(err.match(/prefill \d+ tokens at [\d.]+ tok\/s, decode \d+ tokens at [\d.]+ tok\/s/g)).toHaveLength(3);
  });

  it('puts --system first and ends at the end of input without /exit', async () => {
    const system = 'You tell stories.';
    const expected = await greedyReply(render(system, [['Lily went to the park']]));
    const { out } = await chat(['--model', dir, '--device', 'cpu', '--max-new-tokens', String(MAX_NEW), '--system', system], 'Lily went to the park');
    expect(out).toBe(`${expected}\n`);
  });

  it('a conversation longer than the context is refused and not kept; unknown commands are named', async () => {
    const long = Array.from({ length: 600 }, (_, i) => `w${i}`).join(' ');
    const expected = await greedyReply(render(undefined, [['Once upon a time']]));
    const { out, err } = await chat(['--model', dir, '--device', 'cpu', '--max-new-tokens', String(MAX_NEW)], `${long}\n/frob\nOnce upon a time\n`);
    expect(err).toMatch(/the conversation is \d+ tokens and the model's context \(max_position_embeddings\) is 512/);
    expect(err).toMatch(/unknown command '\/frob'/);
    expect(out).toBe(`${expected}\n`);
  });

  it('a checkpoint without a chat template is a clear error naming tokenizer_config.json', async () => {
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
    try {
      const code = await main(['chat', '--model', fixture('models', 'llama2c-260k'), '--device', 'cpu']);
      expect(code).toBe(1);
    } finally {
      vi.restoreAllMocks();
    }
    expect(err.join('')).toMatch(/llama2c-260k\/tokenizer_config\.json has no chat_template/);
  });

  it('flags are checked before anything loads', async () => {
    await expect(chat(['--device', 'cpu'], '')).rejects.toThrow(/--model <dir> is required/);
    await expect(chat(['--model', dir, '--top-p', '0'], '')).rejects.toThrow(/--top-p must be in \(0, 1\]/);
    await expect(chat(['--model', dir, '--temperature', 'warm'], '')).rejects.toThrow(/--temperature must be a number/);
  });
});
