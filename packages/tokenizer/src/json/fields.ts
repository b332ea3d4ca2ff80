import { FileFormatError } from '@cria/core';
import type { JsonObject } from './types.js';

/** Reads typed fields of a tokenizer.json component, with errors naming the component and field. */
export class Fields {
  constructor(readonly file: string, readonly where: string, readonly obj: JsonObject) {}

  private fault(field: string, expected: string): never {
    throw new FileFormatError(this.file, `${this.where}.${field}: expected ${expected}, got ${JSON.stringify(this.obj[field])?.slice(0, 80)}`);
  }

  string(field: string): string {
    const v = this.obj[field];
    if (typeof v !== 'string') this.fault(field, 'a string');
    return v;
  }

  optString(field: string): string | null {
    const v = this.obj[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') this.fault(field, 'a string or null');
    return v;
  }

  bool(field: string, fallback: boolean): boolean {
    const v = this.obj[field];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.fault(field, 'a boolean');
    return v;
  }

  int(field: string, fallback?: number): number {
    const v = this.obj[field];
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fault(field, 'an integer');
    return v;
  }

  array(field: string): unknown[] {
    const v = this.obj[field];
    if (!Array.isArray(v)) this.fault(field, 'an array');
    return v;
  }

  object(field: string): JsonObject {
    const v = this.obj[field];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fault(field, 'an object');
    return v as JsonObject;
  }

  /** `{String: s}` or `{Regex: r}`. */
  pattern(field: string): { kind: 'string' | 'regex'; value: string } {
    const v = this.obj[field];
    if (typeof v === 'object' && v !== null) {
      const p = v as JsonObject;
      if (typeof p.String === 'string') return { kind: 'string', value: p.String };
      if (typeof p.Regex === 'string') return { kind: 'regex', value: p.Regex };
    }
    if (typeof v === 'string') return { kind: 'string', value: v };
    this.fault(field, '{"String": ...} or {"Regex": ...}');
  }

  sub(obj: unknown, where: string): Fields {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new FileFormatError(this.file, `${where}: expected an object, got ${JSON.stringify(obj)?.slice(0, 80)}`);
    }
    return new Fields(this.file, where, obj as JsonObject);
  }

  unknownType(kind: string): never {
    throw new FileFormatError(this.file, `${this.where}: unknown ${kind} type ${JSON.stringify(this.obj.type)}`);
  }
}
