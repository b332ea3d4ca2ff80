import { ArgumentError } from '@cria/core';

/**
 * Translates a regular expression written for Hugging Face `tokenizers` (Rust; the `onig` crate with
 * Ruby syntax, or `fancy-regex`) into an equivalent JavaScript `u`-flag RegExp source.
 *
 * What differs and is mapped here:
 * - `\s`/`\S`: Unicode White_Space there (includes U+0085, excludes U+FEFF); JS differs on both.
 * - `\d`/`\D`: Unicode decimal digits (\p{Nd}) there; ASCII in JS.
 * - `\w`/`\W`: Unicode word characters there; ASCII in JS.
 * - `.`: anything but `\n` there; JS also excludes `\r`, U+2028, U+2029.
 * - `\A`, `\z`, `\Z`: start / end of text; `^`/`$` are line anchors in Oniguruma's Ruby syntax.
 * - `(?i:...)` and `(?i)` case-insensitive groups: JS (Node 20) has no modifiers, so each letter in such
 *   a group becomes a class of every character with the same simple case folding (as Rust's and
 *   Oniguruma's Unicode case folding do: `s` also matches U+017F, `k` also matches U+212A).
 * Anything the translation cannot express faithfully (atomic groups, possessive quantifiers, \G, \K,
 * backreferences by name, other inline flags) is an ArgumentError naming the pattern.
 */
export function translateRegex(pattern: string): string {
  return new Translator(pattern).run();
}

/** Compiles a tokenizers regex pattern into a global, Unicode JS RegExp. */
export function compileRegex(pattern: string, flags = 'gu'): RegExp {
  const source = translateRegex(pattern);
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new ArgumentError(`regex ${JSON.stringify(pattern)}: cannot compile its JavaScript form ${JSON.stringify(source)}: ${(error as Error).message}`);
  }
}

// Unicode White_Space (what Rust's `\s` and Oniguruma's Unicode `\s` match).
const WHITE_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';
const DIGIT = '\\p{Nd}';

const caseClassCache = new Map<string, string>();

/** Every code point whose simple case folding equals that of `ch` (found with JS's own /iu matching). */
function caseVariants(ch: string): string[] {
  const probe = new RegExp(`^${escapeLiteral(ch)}$`, 'iu');
  const found = new Set<string>([ch]);
  const candidates = new Set<string>([ch, ch.toLowerCase(), ch.toUpperCase()]);
  for (const c of [...candidates]) for (const d of [c.toLowerCase(), c.toUpperCase()]) candidates.add(d);
  // Characters whose folding reaches a letter without being its plain upper/lower case.
  for (const extra of ['\u017f', '\u212a', '\u212b', '\u1e9e', '\u03c2', '\u03d0', '\u03d1', '\u03d5', '\u03d6', '\u03f0', '\u03f1', '\u03f5', '\u1e9b', '\u0345', '\u2126', '\u1fbe']) candidates.add(extra);
  for (const c of candidates) if ([...c].length === 1 && probe.test(c)) found.add(c);
  return [...found];
}

function caseClass(ch: string): string {
  let cls = caseClassCache.get(ch);
  if (cls === undefined) {
    const variants = caseVariants(ch);
    cls = variants.length === 1 ? escapeLiteral(ch) : `[${variants.map(escapeInClass).join('')}]`;
    caseClassCache.set(ch, cls);
  }
  return cls;
}

function escapeLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

function escapeInClass(ch: string): string {
  return /[\\\]^[-]/.test(ch) ? `\\${ch}` : ch;
}

class Translator {
  private pos = 0;
  private out = '';
  private readonly ignoreCase: boolean[] = [false];

  constructor(private readonly pattern: string) {}

  private fail(what: string): never {
    throw new ArgumentError(`regex ${JSON.stringify(this.pattern)}: ${what} at offset ${this.pos} is not supported`);
  }

  private get caseless(): boolean {
    return this.ignoreCase[this.ignoreCase.length - 1]!;
  }

  run(): string {
    const p = this.pattern;
    while (this.pos < p.length) {
      const cp = p.codePointAt(this.pos)!;
      const ch = String.fromCodePoint(cp);
      if (ch === '\\') this.escape(false);
      else if (ch === '[') this.charClass();
      else if (ch === '(') this.groupOpen();
      else if (ch === ')') {
        if (this.ignoreCase.length === 1) this.fail('an unbalanced ")"');
        this.ignoreCase.pop();
        this.out += ')';
        this.pos++;
      } else if (ch === '.') {
        this.out += '[^\\n]';
        this.pos++;
      } else if (ch === '^') {
        this.out += '(?<=^|\\n)';
        this.pos++;
      } else if (ch === '$') {
        this.out += '(?=\\n|$)';
        this.pos++;
      } else if (ch === '+' || ch === '*' || ch === '?' || ch === '}') {
        this.out += ch;
        this.pos++;
        const next = p[this.pos];
        if (next === '+' && ch !== '?') this.fail('a possessive quantifier');
        if (next === '?') {
          this.out += '?';
          this.pos++;
        }
      } else {
        this.out += this.caseless && /\p{L}/u.test(ch) ? caseClass(ch) : ch === '/' ? '\\/' : ch;
        this.pos += ch.length;
      }
    }
    if (this.ignoreCase.length !== 1) this.fail('an unclosed group');
    return this.out;
  }

  private groupOpen(): void {
    const p = this.pattern;
    const rest = p.slice(this.pos);
    if (rest.startsWith('(?:') || rest.startsWith('(?=') || rest.startsWith('(?!') || rest.startsWith('(?<=') || rest.startsWith('(?<!')) {
      const len = rest.startsWith('(?<') ? 4 : 3;
      this.out += rest.slice(0, len);
      this.pos += len;
      this.ignoreCase.push(this.caseless);
      return;
    }
    const flags = /^\(\?([imx-]+)(:|\))/.exec(rest);
    if (flags) {
      const spec = flags[1]!;
      if (/[mx]/.test(spec)) this.fail(`inline flags (?${spec})`);
      const on = !spec.startsWith('-');
      if (flags[2] === ':') {
        this.out += '(?:';
        this.ignoreCase.push(on);
      } else {
        // (?i) applies to the rest of the enclosing group.
        this.ignoreCase[this.ignoreCase.length - 1] = on;
      }
      this.pos += flags[0].length;
      return;
    }
    const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
    if (named) {
      this.out += `(?<${named[1]}>`;
      this.pos += named[0].length;
      this.ignoreCase.push(this.caseless);
      return;
    }
    if (rest.startsWith('(?')) this.fail(`the group syntax ${rest.slice(0, 3)}`);
    this.out += '(';
    this.pos++;
    this.ignoreCase.push(this.caseless);
  }

  /** Translates one escape; `inClass` means inside [...] (where only class-compatible forms are allowed). */
  private escape(inClass: boolean): string | void {
    const p = this.pattern;
    const next = p[this.pos + 1];
    if (next === undefined) this.fail('a trailing backslash');
    let piece: string;
    let len = 2;
    switch (next) {
      case 's': piece = inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`; break;
      case 'S': if (inClass) this.fail('\\S inside a class'); piece = `[^${WHITE_SPACE}]`; break;
      case 'd': piece = inClass ? DIGIT : `[${DIGIT}]`; break;
      case 'D': if (inClass) this.fail('\\D inside a class'); piece = `[^${DIGIT}]`; break;
      case 'w': piece = inClass ? WORD : `[${WORD}]`; break;
      case 'W': if (inClass) this.fail('\\W inside a class'); piece = `[^${WORD}]`; break;
      case 'A': if (inClass) this.fail('\\A inside a class'); piece = '^'; break;
      case 'z': if (inClass) this.fail('\\z inside a class'); piece = '$'; break;
      case 'Z': if (inClass) this.fail('\\Z inside a class'); piece = '(?=\\n?$)'; break;
      case 'h': piece = inClass ? '0-9a-fA-F' : '[0-9a-fA-F]'; break;
      case 'p':
      case 'P': {
        const m = /^\\[pP](\{[^}]+\}|[A-Za-z])/.exec(p.slice(this.pos));
        if (!m) this.fail('a malformed \\p escape');
        const name = m[1]!.startsWith('{') ? m[1]!.slice(1, -1) : m[1]!;
        const negated = (next === 'P') !== name.startsWith('^');
        piece = `\\${negated ? 'P' : 'p'}{${name.replace(/^\^/, '')}}`;
        len = m[0].length;
        break;
      }
      case 'x': {
        const m = /^\\x(\{[0-9a-fA-F]+\}|[0-9a-fA-F]{2})/.exec(p.slice(this.pos));
        if (!m) this.fail('a malformed \\x escape');
        const hex = m[1]!.startsWith('{') ? m[1]!.slice(1, -1) : m[1]!;
        piece = `\\u{${hex}}`;
        len = m[0].length;
        break;
      }
      case 'u': {
        const m = /^\\u([0-9a-fA-F]{4})/.exec(p.slice(this.pos));
        if (!m) this.fail('a malformed \\u escape');
        piece = `\\u{${m[1]}}`;
        len = m[0].length;
        break;
      }
      case 'G': case 'K': case 'k': case 'g': case 'X': case 'R':
        this.fail(`the escape \\${next}`);
      default:
        if (/[0-9]/.test(next) && next !== '0') this.fail('a backreference');
        if (/[A-Za-z]/.test(next) && !/[tnrfvbBe0a]/.test(next)) this.fail(`the escape \\${next}`);
        if (next === 'e') piece = '\\x1b';
        else if (next === 'a') piece = '\\x07';
        else if (next === 'b' && inClass) piece = '\\x08';
        else if (/[A-Za-z0-9]/.test(next)) piece = `\\${next}`;
        else if (this.caseless && !inClass && /\p{L}/u.test(next)) piece = caseClass(next);
        else piece = `\\${next}`;
    }
    this.pos += len;
    if (inClass) return piece;
    this.out += piece;
  }

  private charClass(): void {
    const p = this.pattern;
    let cls = '[';
    this.pos++;
    if (p[this.pos] === '^') {
      cls += '^';
      this.pos++;
    }
    let first = true;
    while (this.pos < p.length) {
      const ch = String.fromCodePoint(p.codePointAt(this.pos)!);
      if (ch === ']' && !first) {
        this.pos++;
        this.out += cls + ']';
        return;
      }
      first = false;
      if (ch === '\\') {
        cls += this.escape(true) as string;
      } else if (ch === '[') {
        if (p.startsWith('[:', this.pos)) this.fail('a POSIX bracket class');
        this.fail('a nested character class');
      } else if (ch === '&' && p[this.pos + 1] === '&') {
        this.fail('class intersection (&&)');
      } else {
        if (this.caseless && /\p{L}/u.test(ch)) {
          if (p[this.pos + ch.length] === '-' || cls.endsWith('-')) this.fail('a letter range in a case-insensitive class');
          const variants = caseVariants(ch);
          cls += variants.map(escapeInClass).join('');
        } else cls += ch === ']' || ch === '[' ? `\\${ch}` : ch;
        this.pos += ch.length;
      }
    }
    this.fail('an unclosed character class');
  }
}
