// Reading a range into the caller's buffer, so the converter reuses one buffer per tensor.
import type { ByteSource } from '@cria/core';

/** Fills `target` with the bytes of `source` at `offset`: straight into it when the source can, else through a copy. */
export async function readRangeInto(source: ByteSource, offset: number, target: Uint8Array): Promise<void> {
  if (source.readInto) await source.readInto(offset, target);
  else target.set(await source.read(offset, target.byteLength));
}
