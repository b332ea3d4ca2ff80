// Temporary folders for tests of install-time rules (this package's, and the native packages' own scripts).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A temporary root; `freshDir(name)` makes a new folder in it, `writeFile(path, text, executable)` a file; `remove()` cleans up. */
export function temporaryTree(prefix) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  let counter = 0;
  return {
    root,
    freshDir(name) {
      const dir = join(root, `${name}-${counter++}`);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    writeFile(path, text, executable = false) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      if (executable) chmodSync(path, 0o755);
      return path;
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
