// Where a model folder comes from on the page: a folder picked from disk, or a base URL.
import { ArgumentError, type ModelDirectory, filesDirectory, urlDirectory } from '@cria/core';

/** The files of `<input type="file" webkitdirectory>` (paths relative to the picked folder). */
export function directoryFromFileList(files: FileList | readonly File[]): ModelDirectory {
  const list = Array.from(files);
  if (list.length === 0) throw new ArgumentError('no files were picked: choose the folder that holds config.json');
  return filesDirectory(list);
}

interface DirectoryHandle {
  name: string;
  values(): AsyncIterable<{ kind: 'file' | 'directory'; name: string; getFile?: () => Promise<File> }>;
}

/** The top-level files of a folder opened with the File System Access API (`showDirectoryPicker`). */
export async function directoryFromHandle(handle: DirectoryHandle): Promise<ModelDirectory> {
  const files: File[] = [];
  for await (const entry of handle.values()) {
    if (entry.kind === 'file' && entry.getFile) files.push(await entry.getFile());
  }
  if (files.length === 0) throw new ArgumentError(`the folder '${handle.name}' holds no files`);
  return filesDirectory(files, handle.name);
}

/** A base URL whose files are read with HTTP range requests (e.g. a Hugging Face `resolve/main/` URL). */
export function directoryFromUrl(url: string): ModelDirectory {
  const trimmed = url.trim();
  if (!/^https?:\/\//i.test(trimmed) && !trimmed.startsWith('/')) {
    throw new ArgumentError(`model URL '${trimmed}' must start with http://, https:// or /`);
  }
  return urlDirectory(new URL(trimmed, globalThis.location?.href ?? 'http://localhost/').href);
}

/** Whether this browser has the File System Access API's folder picker. */
export function hasDirectoryPicker(): boolean {
  return typeof (globalThis as { showDirectoryPicker?: unknown }).showDirectoryPicker === 'function';
}
