// Writes a PyTorch zip checkpoint (what torch.save writes for a state dict of contiguous tensors),
// streaming: the pickle first, then each tensor's storage as it is handed over, in any order.
import { ArgumentError, shapeSize } from '@cria/core';
import { ZipWriter, type ZipWriterOptions } from '../zip/zip-writer.js';
import { contiguousStrides } from './strided-read.js';
import { TORCH_DTYPE_BYTES, type TorchDType } from './torch-policy.js';
import { encodeTorchSavePickle } from './torch-save-pickle.js';

export interface PytorchTensorSpec {
  readonly name: string;
  readonly dtype: TorchDType;
  readonly shape: readonly number[];
}

export interface PytorchCheckpointWriter {
  /** Writes one tensor's bytes (row-major, little-endian); each named tensor exactly once. */
  write(name: string, data: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface PytorchWriterOptions extends ZipWriterOptions {
  /** The archive's top folder (torch uses the file name without extension). */
  archiveName?: string;
}

export async function createPytorchCheckpointWriter(
  path: string,
  specs: readonly PytorchTensorSpec[],
  options: PytorchWriterOptions = {},
): Promise<PytorchCheckpointWriter> {
  const archive = options.archiveName ?? 'archive';
  const keys = new Map<string, { key: string; bytes: number }>();
  specs.forEach((s, i) => {
    if (keys.has(s.name)) throw new ArgumentError(`tensor '${s.name}' is listed twice`);
    keys.set(s.name, { key: String(i), bytes: shapeSize(s.shape) * TORCH_DTYPE_BYTES[s.dtype] });
  });
  const pickle = encodeTorchSavePickle(
    specs.map((s, i) => ({
      name: s.name,
      storageKey: String(i),
      dtype: s.dtype,
      storageNumel: shapeSize(s.shape),
      storageOffset: 0,
      shape: s.shape,
      stride: contiguousStrides(s.shape),
    })),
  );
  const zip = await ZipWriter.create(path, options);
  await zip.addEntry(`${archive}/data.pkl`, pickle);
  await zip.addEntry(`${archive}/byteorder`, new TextEncoder().encode('little'));
  const written = new Set<string>();
  return {
    async write(name: string, data: Uint8Array): Promise<void> {
      const entry = keys.get(name);
      if (!entry) throw new ArgumentError(`tensor '${name}' is not in this checkpoint's plan`);
      if (written.has(name)) throw new ArgumentError(`tensor '${name}' was already written`);
      if (data.byteLength !== entry.bytes) throw new ArgumentError(`tensor '${name}' needs ${entry.bytes} bytes, got ${data.byteLength}`);
      written.add(name);
      await zip.addEntry(`${archive}/data/${entry.key}`, data);
    },
    async close(): Promise<void> {
      const missing = specs.filter((s) => !written.has(s.name)).map((s) => s.name);
      if (missing.length > 0) throw new ArgumentError(`tensors never written: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
      await zip.addEntry(`${archive}/version`, new TextEncoder().encode('3\n'));
      await zip.close();
    },
  };
}
