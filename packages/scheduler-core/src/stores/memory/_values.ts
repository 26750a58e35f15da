/**
 * `value` as one flat string. A string built by concatenation is a tree in V8: a UUID from
 * `crypto.randomUUID()` is about twenty joined pieces, ~490 bytes, where the flat string takes 56.
 * `trim()` flattens its receiver and, when there is nothing to trim, returns that flat string;
 * a string with spaces at its ends is kept as it is.
 */
export function flatten(value: string): string {
  const flat = value.trim();
  return flat.length === value.length ? flat : value;
}

/**
 * Strings that repeat (phone numbers, statuses, worker ids) stored once each and named by a small
 * integer code, so a row holds the code instead of a reference.
 */
export class Interner {
  private readonly codes = new Map<string, number>();
  private readonly values: string[] = [];

  constructor(initial: readonly string[] = []) {
    for (const value of initial) this.code(value);
  }

  get size(): number {
    return this.values.length;
  }

  /** The code of `value`, adding it when new. */
  code(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      const flat = flatten(value);
      code = this.values.length;
      this.values.push(flat);
      this.codes.set(flat, code);
    }
    return code;
  }

  /** The code of `value`, or -1 when it was never added. */
  find(value: string): number {
    return this.codes.get(value) ?? -1;
  }

  value(code: number): string {
    return this.values[code]!;
  }

  /** Every string added, by code. */
  all(): readonly string[] {
    return this.values;
  }
}

/**
 * Strings held by several owners (the numbers of calls and records), stored once each and named by
 * a small integer code, with a count of owners: a string's last owner releasing it frees it, and
 * its code is given to the next new string. A count is also how many owners hold the string.
 */
export class SharedStrings {
  private readonly codes = new Map<string, number>();
  private readonly values: string[] = [];
  private readonly counts: number[] = [];
  private readonly free: number[] = [];

  /** How many distinct strings are held. */
  get size(): number {
    return this.codes.size;
  }

  /** The code of `value` for one more owner, adding it when new. */
  acquire(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      const flat = flatten(value);
      code = this.free.pop() ?? this.values.length;
      this.values[code] = flat;
      this.counts[code] = 0;
      this.codes.set(flat, code);
    }
    this.counts[code]! += 1;
    return code;
  }

  /** One owner fewer for `code`; the string is gone with its last owner. */
  release(code: number): void {
    const left = this.counts[code]! - 1;
    this.counts[code] = left;
    if (left > 0) return;
    this.codes.delete(this.values[code]!);
    this.values[code] = '';
    this.free.push(code);
  }

  /** The code of `value`, or -1 when no owner holds it. */
  find(value: string): number {
    return this.codes.get(value) ?? -1;
  }

  /** How many owners hold `code`. */
  count(code: number): number {
    return this.counts[code] ?? 0;
  }

  value(code: number): string {
    return this.values[code]!;
  }
}

/**
 * A deep copy of plain data (arrays and plain objects, as JSON holds them; what the SQL stores
 * keep too). Other objects (a `Date`, a class instance) are shared, as before.
 */
export function clonePlain<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(clonePlain) as T;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy: Record<string, unknown> = proto === null ? Object.create(null) : {};
  for (const key of Object.keys(value))
    copy[key] = clonePlain((value as Record<string, unknown>)[key]);
  return copy as T;
}
