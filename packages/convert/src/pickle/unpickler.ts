// A pickle virtual machine for the opcodes torch.save emits (protocols 2 to 5). It never imports or
// calls anything by itself: every GLOBAL/STACK_GLOBAL goes through `policy.resolveGlobal`, every
// REDUCE/NEWOBJ/BUILD through `policy.call`/`policy.build`, every persistent id through
// `policy.persistentLoad`, and each may refuse. The stack, memo and mark depth are bounded.
import { PickleDict, PickleError, PickleGlobal, PickleTruncatedError, PickleSet, PickleTuple, describe, type PickleValue } from './values.js';

export interface PicklePolicy {
  /** Resolves `module.name` or throws a PickleError naming it. */
  resolveGlobal(module: string, name: string): PickleGlobal;
  /** Calls an allow-listed callable (REDUCE and NEWOBJ) with its arguments. */
  call(callable: PickleGlobal, args: PickleTuple): PickleValue;
  /** Applies BUILD state to an object, or throws. */
  build(target: PickleValue, state: PickleValue): PickleValue;
  /** Resolves a persistent id (BINPERSID / PERSID). */
  persistentLoad(pid: PickleValue): PickleValue;
}

export interface UnpickleLimits {
  maxStack: number;
  maxMemo: number;
  maxMarks: number;
}

export const DEFAULT_UNPICKLE_LIMITS: UnpickleLimits = { maxStack: 1 << 20, maxMemo: 1 << 20, maxMarks: 1 << 12 };

const MARK = Symbol('mark');
type Slot = PickleValue | typeof MARK;

/** Runs the pickle in `data` and returns the value STOP leaves on the stack. */
export function unpickle(data: Uint8Array, file: string, policy: PicklePolicy, limits: UnpickleLimits = DEFAULT_UNPICKLE_LIMITS): PickleValue {
  const { value, end } = unpickleAt(data, 0, file, policy, limits);
  if (end !== data.byteLength) throw new PickleError(file, `pickle has ${data.byteLength - end} bytes after its STOP opcode`);
  return value;
}

/**
 * Runs the pickle that starts at `start` (several pickles may follow each other, as in the legacy
 * torch.save format) and returns its value and the offset just past its STOP. A pickle cut short
 * throws PickleTruncatedError.
 */
export function unpickleAt(
  data: Uint8Array,
  start: number,
  file: string,
  policy: PicklePolicy,
  limits: UnpickleLimits = DEFAULT_UNPICKLE_LIMITS,
): { value: PickleValue; end: number } {
  const machine = new Machine(data, file, policy, limits, start);
  const value = machine.run();
  return { value, end: machine.position };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

class Machine {
  #pos = 0;
  #stack: Slot[] = [];
  #marks: number[] = [];
  #memo = new Map<number, PickleValue>();
  readonly #view: DataView;

  constructor(
    readonly data: Uint8Array,
    readonly file: string,
    readonly policy: PicklePolicy,
    readonly limits: UnpickleLimits,
    start = 0,
  ) {
    this.#view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.#pos = start;
  }

  get position(): number {
    return this.#pos;
  }

  truncated(message: string): never {
    throw new PickleTruncatedError(this.file, `pickle is truncated: ${message}`);
  }

  fail(message: string): never {
    throw new PickleError(this.file, `pickle ${message}`);
  }

  run(): PickleValue {
    for (;;) {
      const at = this.#pos;
      if (at >= this.data.byteLength) this.truncated(`no STOP opcode before the end (${this.data.byteLength} bytes)`);
      const op = this.data[this.#pos++]!;
      const done = this.step(op, at);
      if (done) {
        if (this.#marks.length > 0) this.fail('ends with an unclosed MARK');
        return done.value;
      }
    }
  }

  // Returns { value } on STOP.
  step(op: number, at: number): { value: PickleValue } | undefined {
    switch (op) {
      case 0x80: { // PROTO
        const proto = this.u8();
        if (proto > 5) this.fail(`protocol ${proto} is not supported (at most 5)`);
        return;
      }
      case 0x95: // FRAME: a length hint only
        this.bytes(8);
        return;
      case 0x2e: { // STOP
        const value = this.pop();
        if (this.#stack.length !== 0) this.fail(`STOP leaves ${this.#stack.length} extra values on the stack`);
        return { value };
      }
      case 0x28: // MARK
        if (this.#marks.length >= this.limits.maxMarks) this.fail(`nests MARKs deeper than ${this.limits.maxMarks}`);
        this.#marks.push(this.#stack.length);
        this.#stack.push(MARK);
        return;
      case 0x30: // POP
        this.pop();
        return;
      case 0x31: // POP_MARK
        this.popMark();
        return;
      case 0x32: // DUP
        this.push(this.top());
        return;
      // Constants and numbers
      case 0x4e: this.push(null); return; // NONE
      case 0x88: this.push(true); return; // NEWTRUE
      case 0x89: this.push(false); return; // NEWFALSE
      case 0x4b: this.push(this.u8()); return; // BININT1
      case 0x4d: this.push(this.u16()); return; // BININT2
      case 0x4a: { // BININT
        const v = this.#view.getInt32(this.advance(4), true);
        this.push(v);
        return;
      }
      case 0x8a: this.push(this.longBytes(this.u8())); return; // LONG1
      case 0x8b: { // LONG4
        const n = this.#view.getInt32(this.advance(4), true);
        if (n < 0) this.fail('LONG4 has a negative length');
        this.push(this.longBytes(n));
        return;
      }
      case 0x47: this.push(this.#view.getFloat64(this.advance(8), false)); return; // BINFLOAT (big-endian)
      case 0x49: this.push(this.textInt(this.line())); return; // INT
      case 0x4c: this.push(this.textInt(this.line().replace(/L$/, ''))); return; // LONG
      case 0x46: { // FLOAT
        const text = this.line();
        const v = Number(text);
        if (Number.isNaN(v) && !/^[-+]?nan$/i.test(text.trim())) this.fail(`FLOAT '${text}' is not a number`);
        this.push(v);
        return;
      }
      // Strings and bytes
      case 0x58: this.push(this.utf8(this.u32())); return; // BINUNICODE
      case 0x8c: this.push(this.utf8(this.u8())); return; // SHORT_BINUNICODE
      case 0x8d: this.push(this.utf8(this.u64())); return; // BINUNICODE8
      case 0x54: this.push(latin1.decode(this.bytes(this.u32()))); return; // BINSTRING (py2 str)
      case 0x55: this.push(latin1.decode(this.bytes(this.u8()))); return; // SHORT_BINSTRING
      case 0x42: this.push(this.bytes(this.u32()).slice()); return; // BINBYTES
      case 0x43: this.push(this.bytes(this.u8()).slice()); return; // SHORT_BINBYTES
      case 0x8e: this.push(this.bytes(this.u64()).slice()); return; // BINBYTES8
      case 0x96: this.push(this.bytes(this.u64()).slice()); return; // BYTEARRAY8
      // Containers
      case 0x29: this.push(new PickleTuple([])); return; // EMPTY_TUPLE
      case 0x74: this.push(new PickleTuple(this.popMark())); return; // TUPLE
      case 0x85: this.push(new PickleTuple(this.popN(1))); return; // TUPLE1
      case 0x86: this.push(new PickleTuple(this.popN(2))); return; // TUPLE2
      case 0x87: this.push(new PickleTuple(this.popN(3))); return; // TUPLE3
      case 0x5d: this.push([]); return; // EMPTY_LIST
      case 0x6c: this.push(this.popMark()); return; // LIST
      case 0x7d: this.push(new PickleDict()); return; // EMPTY_DICT
      case 0x64: { // DICT
        const dict = new PickleDict();
        this.setItems(dict, this.popMark());
        this.push(dict);
        return;
      }
      case 0x8f: this.push(new PickleSet(false)); return; // EMPTY_SET
      case 0x91: { // FROZENSET
        const set = new PickleSet(true);
        this.addItems(set, this.popMark());
        this.push(set);
        return;
      }
      case 0x61: { // APPEND
        const item = this.pop();
        this.list(this.top(), 'APPEND').push(item);
        return;
      }
      case 0x65: { // APPENDS
        const items = this.popMark();
        const list = this.list(this.top(), 'APPENDS');
        for (const item of items) list.push(item);
        return;
      }
      case 0x73: { // SETITEM
        const value = this.pop();
        const key = this.pop();
        this.dict(this.top(), 'SETITEM').set(key, value, this.file);
        return;
      }
      case 0x75: { // SETITEMS
        const items = this.popMark();
        this.setItems(this.dict(this.top(), 'SETITEMS'), items);
        return;
      }
      case 0x90: { // ADDITEMS
        const items = this.popMark();
        const set = this.top();
        if (!(set instanceof PickleSet) || set.frozen) this.fail(`ADDITEMS needs a set on the stack, found ${describe(set)}`);
        this.addItems(set, items);
        return;
      }
      // Memo
      case 0x71: this.put(this.u8()); return; // BINPUT
      case 0x72: this.put(this.u32()); return; // LONG_BINPUT
      case 0x70: this.put(this.memoIndex(this.line())); return; // PUT
      case 0x94: this.put(this.#memo.size); return; // MEMOIZE
      case 0x68: this.push(this.get(this.u8())); return; // BINGET
      case 0x6a: this.push(this.get(this.u32())); return; // LONG_BINGET
      case 0x67: this.push(this.get(this.memoIndex(this.line()))); return; // GET
      // Globals and calls: all through the policy
      case 0x63: { // GLOBAL
        const module = this.line();
        const name = this.line();
        this.push(this.policy.resolveGlobal(module, name));
        return;
      }
      case 0x93: { // STACK_GLOBAL
        const name = this.pop();
        const module = this.pop();
        if (typeof module !== 'string' || typeof name !== 'string') this.fail(`STACK_GLOBAL needs two str, found ${describe(module)} and ${describe(name)}`);
        this.push(this.policy.resolveGlobal(module, name));
        return;
      }
      case 0x52: { // REDUCE
        const args = this.pop();
        const callable = this.pop();
        if (!(callable instanceof PickleGlobal)) this.fail(`REDUCE calls ${describe(callable)}, which is not an allow-listed callable (at byte ${at})`);
        if (!(args instanceof PickleTuple)) this.fail(`REDUCE arguments must be a tuple, found ${describe(args)} (at byte ${at})`);
        this.push(this.policy.call(callable, args));
        return;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args)
        const args = this.pop();
        const cls = this.pop();
        if (!(cls instanceof PickleGlobal)) this.fail(`NEWOBJ on ${describe(cls)}, which is not an allow-listed class (at byte ${at})`);
        if (!(args instanceof PickleTuple)) this.fail(`NEWOBJ arguments must be a tuple, found ${describe(args)}`);
        this.push(this.policy.call(cls, args));
        return;
      }
      case 0x62: { // BUILD
        const state = this.pop();
        const target = this.pop();
        this.push(this.policy.build(target, state));
        return;
      }
      case 0x51: this.push(this.policy.persistentLoad(this.pop())); return; // BINPERSID
      case 0x50: this.push(this.policy.persistentLoad(this.line())); return; // PERSID
      case 0x69: this.fail(`opcode INST at byte ${at} is refused (it instantiates a class named in the pickle)`);
      case 0x6f: this.fail(`opcode OBJ at byte ${at} is refused (it instantiates a class from the stack)`);
      case 0x92: this.fail(`opcode NEWOBJ_EX at byte ${at} is refused`);
      case 0x82:
      case 0x83:
      case 0x84: this.fail(`opcode EXT at byte ${at} is refused (extension registry)`);
      case 0x97:
      case 0x98: this.fail(`opcode ${op === 0x97 ? 'NEXT_BUFFER' : 'READONLY_BUFFER'} at byte ${at} is refused (out-of-band buffers)`);
      default:
        this.fail(`has unknown or unsupported opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
    }
  }

  // --- stack ---
  push(value: PickleValue): void {
    if (this.#stack.length >= this.limits.maxStack) this.fail(`stack grows past ${this.limits.maxStack} items`);
    this.#stack.push(value);
  }
  pop(): PickleValue {
    const value = this.#stack.pop();
    if (value === undefined) this.fail('pops from an empty stack');
    if (value === MARK) this.fail('pops a MARK as a value');
    return value;
  }
  top(): PickleValue {
    const value = this.#stack[this.#stack.length - 1];
    if (value === undefined) this.fail('reads the top of an empty stack');
    if (value === MARK) this.fail('uses a MARK as a value');
    return value;
  }
  popN(n: number): PickleValue[] {
    const out: PickleValue[] = new Array(n);
    for (let i = n - 1; i >= 0; i--) out[i] = this.pop();
    return out;
  }
  popMark(): PickleValue[] {
    const mark = this.#marks.pop();
    if (mark === undefined) this.fail('closes a MARK that was never set');
    const items = this.#stack.splice(mark);
    items.shift(); // the MARK itself
    if (items.some((v) => v === MARK)) this.fail('has a MARK inside a MARK frame');
    return items as PickleValue[];
  }
  list(value: PickleValue, op: string): PickleValue[] {
    if (!Array.isArray(value)) this.fail(`${op} needs a list on the stack, found ${describe(value)}`);
    return value;
  }
  dict(value: PickleValue, op: string): PickleDict {
    if (!(value instanceof PickleDict)) this.fail(`${op} needs a dict on the stack, found ${describe(value)}`);
    return value;
  }
  setItems(dict: PickleDict, items: PickleValue[]): void {
    if (items.length % 2 !== 0) this.fail('SETITEMS/DICT has an odd number of items');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i]!, items[i + 1]!, this.file);
  }
  addItems(set: PickleSet, items: PickleValue[]): void {
    for (const item of items) {
      if (item !== null && typeof item === 'object') this.fail(`set items must be hashable scalars, found ${describe(item)}`);
      set.items.add(item);
    }
  }

  // --- memo ---
  put(index: number): void {
    if (!this.#memo.has(index) && this.#memo.size >= this.limits.maxMemo) this.fail(`memo grows past ${this.limits.maxMemo} entries`);
    this.#memo.set(index, this.top());
  }
  get(index: number): PickleValue {
    const value = this.#memo.get(index);
    if (value === undefined) this.fail(`reads memo entry ${index}, which was never stored`);
    return value;
  }
  memoIndex(text: string): number {
    if (!/^\d+$/.test(text)) this.fail(`memo index '${text}' is not a number`);
    return Number(text);
  }

  // --- input ---
  advance(n: number): number {
    const at = this.#pos;
    if (n > this.data.byteLength - at) this.truncated(`needs ${n} bytes at byte ${at}, only ${this.data.byteLength - at} remain`);
    this.#pos += n;
    return at;
  }
  bytes(n: number): Uint8Array {
    const at = this.advance(n);
    return this.data.subarray(at, at + n);
  }
  u8(): number {
    return this.data[this.advance(1)]!;
  }
  u16(): number {
    return this.#view.getUint16(this.advance(2), true);
  }
  u32(): number {
    return this.#view.getUint32(this.advance(4), true);
  }
  u64(): number {
    const v = this.#view.getBigUint64(this.advance(8), true);
    if (v > BigInt(this.data.byteLength)) this.truncated(`declares a length of ${v} bytes, more than the ${this.data.byteLength} bytes read`);
    return Number(v);
  }
  utf8(n: number): string {
    const bytes = this.bytes(n);
    try {
      return utf8.decode(bytes);
    } catch {
      this.fail(`has a string that is not valid UTF-8 near byte ${this.#pos}`);
    }
  }
  line(): string {
    const start = this.#pos;
    const end = this.data.indexOf(0x0a, start);
    if (end < 0) this.truncated(`a text argument at byte ${start} has no newline`);
    this.#pos = end + 1;
    return latin1.decode(this.data.subarray(start, end));
  }
  longBytes(n: number): number | bigint {
    const bytes = this.bytes(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
    if (bytes[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
  }
  textInt(text: string): number | boolean | bigint {
    const t = text.trim();
    if (t === '00') return false; // protocol 0 booleans
    if (t === '01') return true;
    if (!/^[-+]?\d+$/.test(t)) this.fail(`integer '${text}' is not a number`);
    const v = BigInt(t);
    return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  }
}
