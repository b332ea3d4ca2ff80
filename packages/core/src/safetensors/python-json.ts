import { compareCodePoints } from './code-point-order.js';

/** A value Python's json module would write. */
export type PythonJsonValue = null | boolean | number | string | PythonJsonValue[] | { [key: string]: PythonJsonValue };

/**
 * The text of Python's `json.dumps(value, indent=2, sort_keys=True)` (ensure_ascii on, as by
 * default): what transformers writes into model.safetensors.index.json. Numbers must be integers.
 */
export function pythonJsonDumps(value: PythonJsonValue, indent = 2): string {
  return dump(value, 0, indent);
}

function dump(value: PythonJsonValue, level: number, indent: number): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`pythonJsonDumps writes integers only, got ${value}`);
    return String(value);
  }
  if (typeof value === 'string') return pythonJsonString(value);
  const inner = ' '.repeat((level + 1) * indent);
  const outer = ' '.repeat(level * indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + dump(v, level + 1, indent)).join(',\n')}\n${outer}]`;
  }
  const keys = Object.keys(value).sort(compareCodePoints);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${pythonJsonString(k)}: ${dump(value[k]!, level + 1, indent)}`).join(',\n')}\n${outer}}`;
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** A string as Python's json (ensure_ascii=True) writes it: everything outside ' '..'~' escaped, as UTF-16 units. */
export function pythonJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}
