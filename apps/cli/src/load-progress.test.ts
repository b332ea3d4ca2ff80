// The load progress line: drawn on a terminal only, throttled, erased at ready and on failure.
import { fixture } from '@cria/core/testing';
import { LlamaForCausalLM } from '@cria/models';
import { describe, expect, it } from 'vitest';
import { loadWithProgress, progressLine, terminalLoadProgress } from './load-progress.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (text: string) => writes.push(text) };
}

const progress = (totalLoaded: number, totalBytes: number) => ({
  status: 'progress' as const, name: 'm', file: 'model.safetensors', loaded: totalLoaded, total: totalBytes, progress: 0, totalLoaded, totalBytes, totalProgress: 0,
});

describe('load progress line', () => {
  it('formats percent and MB', () => {
    expect(progressLine('dir', 1_234_567, 5_000_000)).toBe('Loading dir: 24% (1.2 / 5.0 MB)');
    expect(progressLine('dir', 0, 0)).toBe('Loading dir: 100% (0.0 / 0.0 MB)');
  });

  it('is nothing when the stream is not a terminal', () => {
    expect(terminalLoadProgress(stream(false))).toBeUndefined();
    expect(terminalLoadProgress({ write: () => true })).toBeUndefined();
  });

  it('redraws one line at most every 100 ms (the last step always), and erases it at ready', () => {
    const out = stream(true);
    let t = 0;
    const line = terminalLoadProgress(out, () => t)!;
    line.callback({ status: 'initiate', name: 'm', file: 'model.safetensors' });
    line.callback(progress(1e6, 4e6));
    t = 50;
    line.callback(progress(2e6, 4e6)); // too soon
    t = 150;
    line.callback(progress(3e6, 4e6));
    t = 160;
    line.callback(progress(4e6, 4e6)); // the last: drawn although soon
    line.callback({ status: 'done', name: 'm', file: 'model.safetensors' });
    line.callback({ status: 'ready', name: 'm', model: 'm', totalLoaded: 4e6, totalBytes: 4e6, totalProgress: 100 });
    expect(out.writes).toEqual([
      '\r\x1b[2KLoading m: 25% (1.0 / 4.0 MB)',
      '\r\x1b[2KLoading m: 75% (3.0 / 4.0 MB)',
      '\r\x1b[2KLoading m: 100% (4.0 / 4.0 MB)',
      '\r\x1b[2K',
    ]);
  });

  it('loadWithProgress draws while from_pretrained loads a fixture and leaves the line erased, also when the load fails', async () => {
    const out = stream(true);
    const dir = fixture('models', 'tiny-llama1-mha');
    const model = await loadWithProgress((progress_callback) => LlamaForCausalLM.from_pretrained(dir, { device: 'cpu', progress_callback }), out);
    model.dispose();
    expect(out.writes.at(0)).toMatch(/^\r\x1b\[2KLoading .*tiny-llama1-mha: \d+% \(/);
    expect(out.writes.at(-2)).toMatch(/: 100% \(0\.7 \/ 0\.7 MB\)$/);
    expect(out.writes.at(-1)).toBe('\r\x1b[2K');
    const failing = stream(true);
    await expect(loadWithProgress(async (cb) => {
      cb!(progress(1, 2));
      throw new Error('no such model');
    }, failing)).rejects.toThrow('no such model');
    expect(failing.writes.at(-1)).toBe('\r\x1b[2K');
    const piped = stream(false);
    await loadWithProgress(async (cb) => expect(cb).toBeUndefined(), piped);
    expect(piped.writes).toEqual([]);
  });
});
