/**
 * Rows by the provider call id of their current attempt, with no string built per write: each id
 * maps to its row, or to the few rows whose providers handed out the same id (two providers'
 * ids may be equal; a lookup tells them apart by the row's provider).
 */
export class ProviderIdIndex<T> {
  private readonly rows = new Map<string, T | T[]>();

  /** Files `row` under `callId` (once, however often it is filed). */
  add(callId: string, row: T): void {
    const held = this.rows.get(callId);
    if (held === undefined) this.rows.set(callId, row);
    else if (Array.isArray(held)) {
      if (!held.includes(row)) held.push(row);
    } else if (held !== row) this.rows.set(callId, [held, row]);
  }

  /** Takes `row` out from under `callId`. */
  remove(callId: string, row: T): void {
    const held = this.rows.get(callId);
    if (held === undefined) return;
    if (!Array.isArray(held)) {
      if (held === row) this.rows.delete(callId);
      return;
    }
    const left = held.filter((r) => r !== row);
    this.rows.set(callId, left.length === 1 ? left[0]! : left);
    if (left.length === 0) this.rows.delete(callId);
  }

  /** The first row filed under `callId` that `matches`, or `undefined`. */
  find(callId: string, matches: (row: T) => boolean): T | undefined {
    const held = this.rows.get(callId);
    if (held === undefined) return undefined;
    if (!Array.isArray(held)) return matches(held) ? held : undefined;
    return held.find(matches);
  }
}
