// Node's file system, imported only when saving, so the package stays importable in a browser. The
// specifiers are variables so bundlers do not follow them.
import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';

const FS_PROMISES = 'node:fs/promises';
const PATH = 'node:path';

export async function nodeFs(): Promise<{ fs: typeof FsPromises; path: typeof Path }> {
  const [fs, path] = await Promise.all([import(/* @vite-ignore */ FS_PROMISES), import(/* @vite-ignore */ PATH)]);
  return { fs: fs as typeof FsPromises, path: path as typeof Path };
}
