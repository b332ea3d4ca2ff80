import { describe, expect, it } from 'vitest';
import { ArgumentError, SAFETENSORS_DTYPES, bytesSource, openSafetensors } from '../../src/index.js';
import { rawSafetensors } from '../helpers.js';

// Safetensors dtypes without a cria DType open, list, and give their raw bytes.
const RAW: [string, number[], number][] = [
  ['F8_E4M3', [2, 3], 6],
  ['F8_E5M2', [4], 4],
  ['F8_E8M0', [1], 1],
  ['I16', [3], 6],
  ['U16', [2], 4],
  ['U32', [2], 8],
  ['U64', [1], 8],
  ['C64', [2], 16],
  ['F4', [4], 2],
  ['F6_E2M3', [4], 3],
  ['F6_E3M2', [8], 6],
];

describe('safetensors dtypes cria has no DType for', () => {
  it('covers every dtype the table lists', () => {
    const withDType = Object.entries(SAFETENSORS_DTYPES).filter(([, v]) => v.dtype !== null).map(([k]) => k);
    expect([...RAW.map((r) => r[0]), ...withDType].sort()).toEqual(Object.keys(SAFETENSORS_DTYPES).sort());
  });

  it('open, report dtype null, and read their raw bytes; get() explains', async () => {
    let offset = 0;
    const entries: string[] = [];
    for (const [dtype, shape, bytes] of RAW) {
      entries.push(`"${dtype.toLowerCase()}":{"dtype":"${dtype}","shape":[${shape}],"data_offsets":[${offset},${offset + bytes}]}`);
      offset += bytes;
    }
    const data = Uint8Array.from({ length: offset }, (_, i) => (i * 37 + 11) & 0xff);
    const checkpoint = await openSafetensors(bytesSource(rawSafetensors(`{${entries.join(',')}}`, data), 'raw.safetensors'));
    let at = 0;
    for (const [dtype, shape, bytes] of RAW) {
      const name = dtype.toLowerCase();
      const info = checkpoint.info(name);
      expect(info).toMatchObject({ dtype: null, safetensorsDtype: dtype, shape, byteLength: bytes });
      expect(Array.from(await checkpoint.getBytes(name))).toEqual(Array.from(data.subarray(at, at + bytes)));
      await expect(checkpoint.get(name)).rejects.toThrow(ArgumentError);
      await expect(checkpoint.get(name)).rejects.toThrow(new RegExp(`safetensors dtype ${dtype}, which no cria DType holds; read its raw bytes with getBytes`));
      at += bytes;
    }
    expect(() => checkpoint.info('nope')).toThrow(/no tensor named 'nope' in raw\.safetensors/);
    await checkpoint.close();
    await expect(checkpoint.getBytes('u16')).rejects.toThrow(/after close\(\)/);
  });
});
