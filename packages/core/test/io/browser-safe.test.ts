import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// @cria/core must load in a browser: its runtime modules may reach Node built-ins only through a
// dynamic import inside Node-only functions (src/io/node-modules.ts), never a static import.
const srcDir = join(import.meta.dirname, '..', '..', 'src');

function runtimeModules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return runtimeModules(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && entry.name !== 'testing.ts' ? [path] : [];
  });
}

describe('browser safety of the io and safetensors modules', () => {
  it('no runtime module statically imports a Node built-in', () => {
    const offenders: string[] = [];
    for (const path of runtimeModules(srcDir)) {
      const text = readFileSync(path, 'utf8');
      for (const match of text.matchAll(/^\s*(import|export)\s+(?!type\b)[^;]*?from\s+['"](node:[^'"]+|fs|path|os|http)['"]/gm)) {
        offenders.push(`${relative(srcDir, path)}: ${match[0].trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the scan would see a static import', () => {
    const sample = "import { open } from 'node:fs/promises';";
    expect(/^\s*(import|export)\s+(?!type\b)[^;]*?from\s+['"](node:[^'"]+|fs|path|os|http)['"]/m.test(sample)).toBe(true);
    expect(/^\s*(import|export)\s+(?!type\b)[^;]*?from\s+['"](node:[^'"]+|fs|path|os|http)['"]/m.test("import type * as Fs from 'node:fs/promises';")).toBe(false);
  });
});
