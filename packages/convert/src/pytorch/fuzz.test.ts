// Corrupted checkpoints (random byte flips in the pickle, the zip records and the legacy
// headers, random cuts) either load or fail with a FileFormatError naming the file: never
// another kind of exception, never a hang.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFormatError, bytesSource } from '@cria/core';
import { seededRandom } from '@cria/core/testing';
import { createPytorchCheckpointWriter } from './checkpoint-writer.js';
import { openPytorchCheckpoint } from './checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'cria-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadAll(bytes: Uint8Array, name: string): Promise<'ok' | 'refused'> {
  try {
    const ckpt = await openPytorchCheckpoint(bytesSource(bytes, name));
    try {
      for (const key of ckpt.keys()) await ckpt.getBytes(key);
    } finally {
      await ckpt.close();
    }
    return 'ok';
  } catch (error) {
    if (error instanceof FileFormatError && error.message.startsWith(name)) return 'refused';
    throw new Error(`${name}: unexpected ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
  }
}

describe('fuzzed checkpoints', () => {
  it('byte flips and cuts are loaded or refused with a FileFormatError, nothing else', async () => {
    const path = join(dir, 'base.pth');
    const w = await createPytorchCheckpointWriter(path, [
      { name: 'layers.0.attention.wq.weight', dtype: 'bfloat16', shape: [4, 8] },
      { name: 'norm.weight', dtype: 'float32', shape: [8] },
      { name: 'step', dtype: 'int64', shape: [] },
    ]);
    await w.write('layers.0.attention.wq.weight', new Uint8Array(64).fill(0x3f));
    await w.write('norm.weight', new Uint8Array(32).fill(0x40));
    await w.write('step', new Uint8Array(8));
    await w.close();
    const base = new Uint8Array(readFileSync(path));
    expect(await loadAll(base, 'base.pth')).toBe('ok');
    const random = seededRandom(1234);
    const counts = { ok: 0, refused: 0 };
    for (let round = 0; round < 400; round++) {
      const bytes = base.slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) {
        // bias towards the pickle (the first ~600 bytes) and the tail records
        const region = random();
        const at = region < 0.6 ? Math.floor(random() * 600) : region < 0.8 ? bytes.length - 1 - Math.floor(random() * 400) : Math.floor(random() * bytes.length);
        bytes[at] = Math.floor(random() * 256);
      }
      const cut = random() < 0.2 ? Math.floor(random() * bytes.length) : bytes.length;
      counts[await loadAll(bytes.subarray(0, cut), `fuzz${round}.pth`)]++;
    }
    expect(counts.ok + counts.refused).toBe(400);
    expect(counts.refused).toBeGreaterThan(100);
  });
});
