/**
 * Finds the first object key that appears twice in the same object of a JSON text. JSON.parse
 * silently keeps the last of duplicate keys, so two readers of one hostile file could see different
 * tensors; safetensors forbids that. `text` must already be valid JSON (run JSON.parse first). The
 * scan is iterative, so deeply nested input cannot overflow the stack.
 *
 * Returns the duplicate key and the path of keys leading to its object, or undefined.
 */
export function findDuplicateJsonKey(text: string): { key: string; path: string[] } | undefined {
  // One frame per open object or array. Objects keep their keys and whether the next string is a key.
  const frames: { keys: Set<string> | null; expectKey: boolean; key: string | undefined }[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const top = frames[frames.length - 1];
      if (top?.keys && top.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (top.keys.has(key)) return { key, path: parentPath(frames) };
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === 0x7b /* { */) frames.push({ keys: new Set(), expectKey: true, key: undefined });
    else if (c === 0x5b /* [ */) frames.push({ keys: null, expectKey: false, key: undefined });
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) frames.pop();
    else if (c === 0x2c /* , */) {
      const top = frames[frames.length - 1];
      if (top?.keys) top.expectKey = true;
    }
    i++;
  }
  return undefined;
}

/** The keys of the enclosing objects (each object's current key), outermost first, excluding the innermost object. */
function parentPath(frames: { key: string | undefined }[]): string[] {
  return frames.slice(0, -1).map((f) => f.key).filter((k): k is string => k !== undefined);
}

/** Index of the closing quote of the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let j = start + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return text.length - 1; // unreachable for valid JSON
    let backslashes = 0;
    for (let k = q - 1; k > start && text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return q;
    j = q + 1;
  }
}
