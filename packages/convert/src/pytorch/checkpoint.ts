// openPytorchCheckpoint: a torch.save checkpoint (`.pth`, `pytorch_model.bin`) read safely and
// lazily, in the zip format (PyTorch >= 1.6) or the legacy one. The pickle runs under the tensor
// allow-list; tensors stay references until read by range.
import { type ByteSource, fileSource } from '@cria/core';
import { ZipArchive } from '../zip/zip-reader.js';
import type { PytorchCheckpoint } from './lazy-checkpoint.js';
import { isLegacyCheckpoint, loadLegacyCheckpoint } from './legacy-checkpoint.js';
import { loadZipCheckpoint } from './zip-checkpoint.js';

export type { PytorchCheckpoint, PytorchTensorInfo } from './lazy-checkpoint.js';

/** Opens a PyTorch checkpoint by path or byte source. Only the pickle is read up front. */
export async function openPytorchCheckpoint(input: string | ByteSource): Promise<PytorchCheckpoint> {
  const source = typeof input === 'string' ? await fileSource(input) : input;
  try {
    if (await isLegacyCheckpoint(source)) return await loadLegacyCheckpoint(source);
    return await loadZipCheckpoint(await ZipArchive.open(source));
  } catch (error) {
    await source.close();
    throw error;
  }
}
