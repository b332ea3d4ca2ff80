import { ArgumentError, FileFormatError } from '../errors.js';
import { type ByteSource, blobSource, fileSource, httpSourceOfSize, sizeFromHead } from './byte-source.js';
import { MissingFileError } from './missing-file-error.js';
import { isNotFound, nodeFs, nodePath } from './node-modules.js';

/**
 * A folder of model files (config.json, *.safetensors, tokenizer.json, ...): a directory on disk,
 * the File list of a browser folder picker, or a base URL. File names are relative ('config.json',
 * 'original/params.json') and may not climb out of the folder.
 */
export interface ModelDirectory {
  readonly name: string;
  exists(file: string): Promise<boolean>;
  /** Opens a file for ranged reads; a missing file gives a MissingFileError naming file and folder. */
  open(file: string): Promise<ByteSource>;
  readText(file: string): Promise<string>;
  /** Parses a JSON file; a parse error is a FileFormatError naming the file. */
  readJson<T = unknown>(file: string): Promise<T>;
  /** Optional: the names of the files directly in the folder (a URL base cannot list its files). */
  list?(): Promise<string[]>;
}

/** Checks that `file` is a relative path inside the folder; returns its '/'-separated parts. */
export function checkRelativeFile(directory: string, file: string): string[] {
  if (typeof file !== 'string' || file === '') throw new ArgumentError(`${directory}: file name must be a non-empty string, got ${JSON.stringify(file)}`);
  if (file.startsWith('/') || file.includes('\\') || /^[a-zA-Z]:/.test(file) || file.includes('\0')) {
    throw new ArgumentError(`${directory}: file name '${file}' must be a relative path with '/' separators`);
  }
  const parts = file.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..')) throw new ArgumentError(`${directory}: file name '${file}' must stay inside the folder`);
  return parts;
}

/** Parses JSON text read from `file`, naming the file on failure. */
export function parseJsonFile<T>(file: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new FileFormatError(file, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readAllText(source: ByteSource): Promise<string> {
  try {
    const bytes = await source.read(0, source.size);
    try {
      return utf8.decode(bytes);
    } catch (error) {
      throw new FileFormatError(source.name, 'is not valid UTF-8 text', { cause: error });
    }
  } finally {
    await source.close();
  }
}

/** Builds the readText/readJson pair from `open`. */
function withTextReaders(base: Pick<ModelDirectory, 'name' | 'exists' | 'open' | 'list'>, fullName: (file: string) => string): ModelDirectory {
  return {
    name: base.name,
    ...(base.list ? { list: base.list } : {}),
    exists: (file) => base.exists(file),
    open: (file) => base.open(file),
    readText: async (file) => readAllText(await base.open(file)),
    readJson: async <T>(file: string) => parseJsonFile<T>(fullName(file), await readAllText(await base.open(file))),
  };
}

/** A directory on disk. Node only. */
export function nodeDirectory(path: string): ModelDirectory {
  if (typeof path !== 'string' || path === '') throw new ArgumentError(`nodeDirectory: path must be a non-empty string, got ${String(path)}`);
  const fullPath = async (file: string) => (await nodePath()).join(path, ...checkRelativeFile(path, file));
  const displayName = (file: string) => `${path.replace(/\/+$/, '')}/${file}`;
  return withTextReaders(
    {
      name: path,
      async exists(file) {
        const fs = await nodeFs();
        try {
          return (await fs.stat(await fullPath(file))).isFile();
        } catch (error) {
          if (isNotFound(error)) return false;
          throw error;
        }
      },
      async open(file) {
        const full = await fullPath(file);
        try {
          // A folder of that name is not the file asked for.
          if (!(await (await nodeFs()).stat(full)).isFile()) throw new MissingFileError(full, path);
          return await fileSource(full);
        } catch (error) {
          if (isNotFound(error)) throw new MissingFileError(full, path, { cause: error });
          throw error;
        }
      },
      async list() {
        const entries = await (await nodeFs()).readdir(path, { withFileTypes: true });
        return entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => e.name).sort();
      },
    },
    displayName,
  );
}

/**
 * The files of a browser folder picker (`<input type="file" webkitdirectory>`) or a drop. A file's
 * name inside the folder is its `webkitRelativePath` without the first component (the picked
 * folder itself); files without one go by `file.name`.
 */
export function filesDirectory(files: Iterable<File>, name?: string): ModelDirectory {
  const byPath = new Map<string, File>();
  let folder: string | undefined;
  for (const file of files) {
    const relative = (file as File & { webkitRelativePath?: string }).webkitRelativePath ?? '';
    let key = file.name;
    if (relative !== '') {
      const parts = relative.split('/').filter((p) => p !== '');
      folder ??= parts[0];
      key = parts.length > 1 ? parts.slice(1).join('/') : file.name;
    }
    if (byPath.has(key)) throw new ArgumentError(`filesDirectory: two files are named '${key}'`);
    byPath.set(key, file);
  }
  const directoryName = name ?? folder ?? 'files';
  const lookup = (file: string) => byPath.get(checkRelativeFile(directoryName, file).join('/'));
  const displayName = (file: string) => `${directoryName}/${file}`;
  return withTextReaders(
    {
      name: directoryName,
      exists: async (file) => lookup(file) !== undefined,
      async open(file) {
        const found = lookup(file);
        if (!found) throw new MissingFileError(displayName(file), directoryName);
        return blobSource(found, displayName(file));
      },
      list: async () => [...byPath.keys()].filter((key) => !key.includes('/')).sort(),
    },
    displayName,
  );
}

/** Files under a base URL (e.g. `https://huggingface.co/<repo>/resolve/main/`), read with HTTP Range requests. */
export function urlDirectory(baseUrl: string): ModelDirectory {
  if (typeof baseUrl !== 'string' || baseUrl === '') throw new ArgumentError(`urlDirectory: baseUrl must be a non-empty string`);
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const urlOf = (file: string) => new URL(checkRelativeFile(baseUrl, file).map(encodeURIComponent).join('/'), base).href;
  return withTextReaders(
    {
      name: baseUrl,
      async exists(file) {
        const response = await fetch(urlOf(file), { method: 'HEAD' });
        return response.ok;
      },
      async open(file) {
        const url = urlOf(file);
        const head = await fetch(url, { method: 'HEAD' });
        if (head.status === 404) throw new MissingFileError(url, baseUrl);
        return httpSourceOfSize(url, await sizeFromHead(url, head));
      },
    },
    urlOf,
  );
}

/** True for strings that name an http(s) URL rather than a path. */
export function isHttpUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}

/** A path or URL string as a ModelDirectory (a ModelDirectory is returned as is). */
export function toModelDirectory(dir: string | ModelDirectory): ModelDirectory {
  if (typeof dir !== 'string') {
    if (dir && typeof dir.open === 'function' && typeof dir.exists === 'function') return dir;
    throw new ArgumentError('toModelDirectory: expected a path, a URL or a ModelDirectory');
  }
  return isHttpUrl(dir) ? urlDirectory(dir) : nodeDirectory(dir);
}

/** Whether `file` names a GGUF file (by its extension). */
export function isGgufFileName(file: string): boolean {
  return /\.gguf$/i.test(file);
}

/**
 * The GGUF file `dir` names, if it names one: a path or URL ending in `.gguf`, or a folder without config.json that
 * holds exactly one `.gguf` file (several: an ArgumentError listing them, to name one). null otherwise.
 */
export async function ggufLocation(dir: string | ModelDirectory): Promise<{ directory: ModelDirectory; file: string } | null> {
  if (typeof dir === 'string' && isGgufFileName(dir)) {
    const cut = dir.replace(/\/+$/, '').lastIndexOf('/');
    return { directory: toModelDirectory(cut < 0 ? '.' : dir.slice(0, cut) || '/'), file: dir.slice(cut + 1) };
  }
  const directory = toModelDirectory(dir);
  if (!directory.list || (await directory.exists('config.json'))) return null;
  let files: string[];
  try {
    files = (await directory.list()).filter(isGgufFileName);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  if (files.length > 1) throw new ArgumentError(`${directory.name} holds ${files.length} GGUF files (${files.join(', ')}) and no config.json: name the one to load (${directory.name}/${files[0]})`);
  return files.length === 1 ? { directory, file: files[0]! } : null;
}
