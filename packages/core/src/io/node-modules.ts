// Node's file system and path modules, imported only when a Node-only function runs, so that
// @cria/core stays importable in a browser. The specifiers are variables so bundlers do not follow them.
import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';

const FS_PROMISES = 'node:fs/promises';
const PATH = 'node:path';

export function nodeFs(): Promise<typeof FsPromises> {
  return import(/* @vite-ignore */ FS_PROMISES) as Promise<typeof FsPromises>;
}

export function nodePath(): Promise<typeof Path> {
  return import(/* @vite-ignore */ PATH) as Promise<typeof Path>;
}

/** True for an error thrown by Node's file system when a path does not exist. */
export function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
