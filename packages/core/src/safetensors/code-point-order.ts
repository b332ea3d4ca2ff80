/**
 * Orders strings by Unicode code point, which is the byte order of their UTF-8 encodings: the
 * order Rust's `String` (safetensors' writer) and Python's `str` (json.dumps(sort_keys=True)) use.
 * JavaScript's default string order compares UTF-16 code units and differs above U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (U+D800..U+DFFF) starts a code point above U+FFFF, which sorts after every BMP one.
    const isSurrogateX = x >= 0xd800 && x <= 0xdfff;
    const isSurrogateY = y >= 0xd800 && y <= 0xdfff;
    if (isSurrogateX !== isSurrogateY) return isSurrogateX ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
