import { fullRecord, type CallLogQuery, type StoredCallRecord } from '../../store.js';
import { matchesCallLog } from '../_call-log.js';
import { CHUNK, SortedSlots } from './_order.js';
import { flatten, SharedStrings } from './_values.js';

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The call records of a memory store, numbered by slot, with two orders in chunks of
 * `Int32Array` (see `SortedSlots`):
 *
 * - by number: each record under its `from` (entry `slot * 2`) and its `to` (`slot * 2 + 1`, left
 *   out when both are the same number), newest `startedAt` first, ties by id descending: a page of
 *   a number's history costs the records it returns;
 * - by `startedAt` then id, oldest first: what `deleteCallRecords` reads, and backwards, newest
 *   first, the call log (`listCallLog`).
 *
 * Numbers are shared strings (one copy however many records name them). A deleted record's slot
 * is reused at once (no heap refers to records).
 */
export class RecordTable {
  private readonly records: (StoredCallRecord | null)[] = [];
  private readonly slots = new Map<string, number>();
  private readonly free: number[] = [];
  private readonly phones = new SharedStrings();
  private readonly byPhone: SortedSlots;
  private readonly byStart: SortedSlots;

  constructor(chunk = CHUNK) {
    const records = this.records;
    const phoneOf = (entry: number) => {
      const record = records[entry >> 1]!;
      return entry & 1 ? record.to : record.from;
    };
    this.byPhone = new SortedSlots((a, b) => {
      const pa = phoneOf(a);
      const pb = phoneOf(b);
      if (pa !== pb) return pa < pb ? -1 : 1;
      const ra = records[a >> 1]!;
      const rb = records[b >> 1]!;
      return rb.startedAt - ra.startedAt || byId(rb.id, ra.id);
    }, chunk);
    this.byStart = new SortedSlots((a, b) => {
      const ra = records[a]!;
      const rb = records[b]!;
      return ra.startedAt - rb.startedAt || byId(ra.id, rb.id);
    }, chunk);
  }

  /** How many records it holds. */
  get size(): number {
    return this.slots.size;
  }

  /** Inserts or replaces (by id) a copy of `record`. */
  save(record: StoredCallRecord): void {
    const copy: StoredCallRecord = {
      ...fullRecord(record),
      id: flatten(record.id),
      from: this.phones.value(this.phones.acquire(record.from)),
      to: this.phones.value(this.phones.acquire(record.to)),
    };
    let slot = this.slots.get(copy.id);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.records.length;
      this.slots.set(copy.id, slot);
    } else {
      this.unindex(slot);
    }
    this.records[slot] = copy;
    this.index(slot);
  }

  /** A copy of the record with this id, or `null`. */
  get(id: string): StoredCallRecord | null {
    const slot = this.slots.get(id);
    return slot === undefined ? null : { ...this.records[slot]! };
  }

  /**
   * Up to `want` records where `phone` is `from` or `to`, newest first, after the position
   * `before` (`[startedAt, id]` of the last record of the previous page; from the newest when
   * `null`). Fresh copies.
   */
  page(phone: string, before: readonly [number, string] | null, want: number): StoredCallRecord[] {
    const out: StoredCallRecord[] = [];
    if (want <= 0 || this.phones.find(phone) < 0) return out;
    const records = this.records;
    const phoneOf = (entry: number) => {
      const record = records[entry >> 1]!;
      return entry & 1 ? record.to : record.from;
    };
    const reader = this.byPhone.from((entry) => {
      const p = phoneOf(entry);
      if (p !== phone) return p > phone;
      if (!before) return true;
      const record = records[entry >> 1]!;
      return (
        record.startedAt < before[0] || (record.startedAt === before[0] && record.id < before[1])
      );
    });
    for (; reader.slot >= 0 && out.length < want; reader.next()) {
      if (phoneOf(reader.slot) !== phone) break;
      out.push({ ...records[reader.slot >> 1]! });
    }
    return out;
  }

  /**
   * Up to `want` records that pass `query`'s filters, newest first, after the position `before`
   * (as `page`'s). Fresh copies.
   */
  log(query: CallLogQuery, before: readonly [number, string] | null, want: number) {
    const out: StoredCallRecord[] = [];
    if (query.phone !== undefined) {
      // A number's records in its own order (`page`), a slice at a time: never the others'.
      let after = before;
      for (;;) {
        const slice = this.page(query.phone, after, 256);
        for (const record of slice) {
          if (out.length < want && matchesCallLog(record, query)) out.push(record);
        }
        const last = slice[slice.length - 1];
        if (out.length >= want || slice.length < 256 || !last) return out;
        after = [last.startedAt, last.id];
      }
    }
    for (const slot of this.byStart.backwards()) {
      if (out.length >= want) break;
      const record = this.records[slot]!;
      if (
        before &&
        !(record.startedAt < before[0] || (record.startedAt === before[0] && record.id < before[1]))
      ) {
        continue;
      }
      if (matchesCallLog(record, query)) out.push({ ...record });
    }
    return out;
  }

  /** Deletes up to `limit` records started before `before`, oldest first; how many it deleted. */
  deleteBefore(before: number, limit: number): number {
    const doomed: number[] = [];
    const records = this.records;
    for (
      const reader = this.byStart.all();
      reader.slot >= 0 && doomed.length < limit;
      reader.next()
    ) {
      if (!(records[reader.slot]!.startedAt < before)) break;
      doomed.push(reader.slot);
    }
    for (const slot of doomed) {
      this.unindex(slot);
      this.slots.delete(records[slot]!.id);
      records[slot] = null;
      this.free.push(slot);
    }
    return doomed.length;
  }

  private index(slot: number): void {
    const record = this.records[slot]!;
    this.byPhone.add(slot * 2);
    if (record.to !== record.from) this.byPhone.add(slot * 2 + 1);
    this.byStart.add(slot);
  }

  /** Takes a record out of its orders and releases its numbers (it stays in `records`). */
  private unindex(slot: number): void {
    const record = this.records[slot]!;
    let found = this.byPhone.delete(slot * 2) && this.byStart.delete(slot);
    if (record.to !== record.from) found = this.byPhone.delete(slot * 2 + 1) && found;
    if (!found) throw new Error(`createMemoryStore: record ${record.id} is missing from an index`);
    this.phones.release(this.phones.find(record.from));
    this.phones.release(this.phones.find(record.to));
  }
}
