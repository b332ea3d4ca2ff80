import { ArgumentError } from '../errors.js';

/**
 * A maximum shard size in bytes from a number or a string as transformers takes it
 * (`convert_file_size_to_int`): '5GB' = 5e9, '500MB', '10KB'; '2GiB' = 2·2^30, 'MiB', 'KiB';
 * a lower-case final 'b' ('5Gb') means bits, so the bytes are divided by 8.
 */
export function parseShardSize(value: number | string, argument = 'maxShardSize'): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value <= 0) throw new ArgumentError(`${argument} must be a positive whole number of bytes, got ${value}`);
    return value;
  }
  if (typeof value !== 'string') throw new ArgumentError(`${argument} must be a number of bytes or a string like '5GB'`);
  const match = /^(\d+)(GIB|MIB|KIB|GB|MB|KB)$/i.exec(value);
  if (!match) throw new ArgumentError(`${argument} '${value}' is not a size: use an integer followed by a unit, e.g. '5GB', '500MB', '2GiB'`);
  const amount = Number(match[1]);
  const unit = match[2]!.toUpperCase();
  const binary: Record<string, number> = { GIB: 2 ** 30, MIB: 2 ** 20, KIB: 2 ** 10 };
  const decimal: Record<string, number> = { GB: 1e9, MB: 1e6, KB: 1e3 };
  let bytes = binary[unit] !== undefined ? amount * binary[unit]! : amount * decimal[unit]!;
  if (binary[unit] === undefined && value.endsWith('b')) bytes = Math.floor(bytes / 8);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new ArgumentError(`${argument} '${value}' must be a positive size`);
  return bytes;
}
