// generate() on the CPU backend gives way to the event loop every decode step: timers, I/O and
// aborts from them run while it decodes, not only after it resolves.
import { fixture } from '@cria/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaForCausalLM } from '../src/index.js';
import { eventLoopYielder } from '../src/generation/event-loop-yield.js';

let model: LlamaForCausalLM;
beforeAll(async () => {
  model = await LlamaForCausalLM.from_pretrained(fixture('models', 'tiny-llama1-mha'), { device: 'cpu' });
});
afterAll(() => model?.dispose());

const PROMPT = [1, 103, 428, 67, 304, 502, 511, 468];

describe('generate() and the event loop (CPU backend)', () => {
  it('a setImmediate scheduled before generate() fires before it resolves', async () => {
    let fired = false;
    setImmediate(() => (fired = true));
    const done = model.generate([PROMPT], { max_new_tokens: 3, eos_token_id: null }).then(() => fired);
    expect(await done).toBe(true);
  });

  it('the event loop turns between every two streamed tokens', async () => {
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const turnsAtToken: number[] = [];
    try {
      await model.generate([PROMPT], { max_new_tokens: 8, eos_token_id: null, streamer: () => turnsAtToken.push(turns) });
    } finally {
      ticking = false;
    }
    expect(turnsAtToken).toHaveLength(8);
    for (let i = 1; i < turnsAtToken.length; i++) expect(turnsAtToken[i]!, `turns before token ${i}`).toBeGreaterThan(turnsAtToken[i - 1]!);
  });

  it('an abort from a setTimeout(0) stops a long generate() part way', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 0);
    let streamed = 0;
    const maxNew = model.config.max_position_embeddings - PROMPT.length;
    await expect(model.generate([PROMPT], { max_new_tokens: maxNew, eos_token_id: null, signal: controller.signal, streamer: () => streamed++ })).rejects.toThrow(/aborted/);
    expect(streamed).toBeLessThan(maxNew);
  });
});

describe('eventLoopYielder', () => {
  const macrotaskOrder = async (yieldOnce: () => Promise<void>): Promise<string[]> => {
    const order: string[] = [];
    const timer = new Promise<void>((resolve) => setTimeout(() => (order.push('timer'), resolve()), 0));
    // a chain of microtasks alone never lets the timer run; yields until it has run
    for (let i = 0; i < 1000 && !order.includes('timer'); i++) await yieldOnce();
    order.push('yielded');
    await timer;
    return order;
  };

  it('uses setImmediate where the host has it', async () => {
    let calls = 0;
    const yielder = eventLoopYielder({ setImmediate: (callback) => (calls++, setImmediate(callback)) });
    expect(await macrotaskOrder(yielder)).toEqual(['timer', 'yielded']);
    expect(calls).toBeGreaterThan(0);
  });

  it('without setImmediate, waits for a message on one shared MessageChannel, oldest waiter first', async () => {
    const channels: FakeChannel[] = [];
    class FakeChannel {
      readonly posted: unknown[] = [];
      referenced = true;
      readonly port1 = {
        onmessage: null as ((event: unknown) => void) | null,
        ref: () => void (this.referenced = true),
        unref: () => void (this.referenced = false),
      };
      readonly port2 = { postMessage: (message: unknown) => void this.posted.push(message) };
      constructor() {
        channels.push(this);
      }
      deliver(): void {
        this.posted.shift();
        this.port1.onmessage!({});
      }
    }
    const yielder = eventLoopYielder({ MessageChannel: FakeChannel, setTimeout: () => expect.fail('setTimeout used although MessageChannel exists') });
    const resolved: string[] = [];
    const first = yielder().then(() => resolved.push('first'));
    const second = yielder().then(() => resolved.push('second'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toEqual([]);
    expect(channels).toHaveLength(1);
    const channel = channels[0]!;
    expect(channel.posted).toHaveLength(2);
    expect(channel.referenced).toBe(true);
    channel.deliver();
    await first;
    expect(resolved).toEqual(['first']);
    expect(channel.referenced).toBe(true);
    channel.deliver();
    await second;
    expect(resolved).toEqual(['first', 'second']);
    expect(channel.referenced).toBe(false);
  });

  it('without setImmediate or MessageChannel, falls back to setTimeout(0)', async () => {
    let timeouts = 0;
    const viaTimeout = eventLoopYielder({ setTimeout: (callback, ms) => (timeouts++, setTimeout(callback, ms)) });
    expect(await macrotaskOrder(viaTimeout)).toEqual(['timer', 'yielded']);
    expect(timeouts).toBeGreaterThan(0);
  });

  it('names what is missing when the host has no way to yield', () => {
    expect(() => eventLoopYielder({})).toThrow(/setImmediate, MessageChannel, setTimeout/);
  });
});
