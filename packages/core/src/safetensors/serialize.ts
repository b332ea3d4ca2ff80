import { ArgumentError } from '../errors.js';
import { nodeFs } from '../io/node-modules.js';
import { planSafetensorsLayout, tensorDataBytes, withDefaultMetadata } from './layout.js';
import type { SafetensorsTensorInput } from './types.js';

function specsOf(tensors: Record<string, SafetensorsTensorInput>, where: string) {
  if (typeof tensors !== 'object' || tensors === null) throw new ArgumentError(`${where}: tensors must be an object of { dtype, shape, data }`);
  return Object.entries(tensors).map(([name, t]) => {
    if (typeof t !== 'object' || t === null) throw new ArgumentError(`${where}: tensor '${name}' must be { dtype, shape, data }`);
    return { name, dtype: t.dtype, shape: t.shape };
  });
}

/**
 * The bytes of a safetensors file holding `tensors`, laid out as Hugging Face writes them.
 * `metadata` goes into `__metadata__` on top of the default {"format": "pt"}.
 */
export function serializeSafetensors(tensors: Record<string, SafetensorsTensorInput>, metadata?: Record<string, string>): Uint8Array {
  const where = 'serializeSafetensors';
  const layout = planSafetensorsLayout(specsOf(tensors, where), withDefaultMetadata(metadata, where), where);
  const out = new Uint8Array(layout.header.byteLength + layout.dataSize);
  out.set(layout.header, 0);
  for (const t of layout.tensors) {
    out.set(tensorDataBytes(t, tensors[t.name]!.data, where), layout.header.byteLength + t.begin);
  }
  return out;
}

/** Writes `tensors` to a .safetensors file (tensor by tensor, without building the file in memory). Node only. */
export async function writeSafetensors(path: string, tensors: Record<string, SafetensorsTensorInput>, metadata?: Record<string, string>): Promise<void> {
  const where = `writeSafetensors(${path})`;
  const layout = planSafetensorsLayout(specsOf(tensors, where), withDefaultMetadata(metadata, where), where);
  const chunks = layout.tensors.map((t) => tensorDataBytes(t, tensors[t.name]!.data, where));
  const fs = await nodeFs();
  const handle = await fs.open(path, 'w');
  try {
    await writeFully(handle, layout.header, 0);
    let position = layout.header.byteLength;
    for (const chunk of chunks) {
      await writeFully(handle, chunk, position);
      position += chunk.byteLength;
    }
  } finally {
    await handle.close();
  }
}

/** Writes all of `bytes` at `position` (a positional write may write less than asked). */
export async function writeFully(handle: { write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }> }, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const length = Math.min(bytes.byteLength - done, 1 << 30);
    const { bytesWritten } = await handle.write(bytes, done, length, position + done);
    done += bytesWritten;
  }
}
