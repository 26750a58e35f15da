/** How far from the end a new slot may land and still be inserted in place. */
const NEAR = 256;

/**
 * Slots kept in a caller's order (for the memory store: `createdAt`, then `id`) in a growable
 * `Int32Array`, 4 bytes per row. Rows arrive almost in order (ids made in the same millisecond
 * are random), so a slot that sorts shortly before the end is inserted in place; one that lands
 * further back marks the array unsorted, and the next read sorts it once.
 */
export class SlotOrder {
  private slots = new Int32Array(1024);
  private count = 0;
  private sorted = true;
  private readonly compare: (a: number, b: number) => number;

  constructor(compare: (a: number, b: number) => number) {
    this.compare = compare;
  }

  add(slot: number): void {
    if (this.count === this.slots.length) {
      const slots = new Int32Array(this.slots.length * 2);
      slots.set(this.slots);
      this.slots = slots;
    }
    const slots = this.slots;
    const end = this.count++;
    if (!this.sorted || end === 0 || this.compare(slots[end - 1]!, slot) <= 0) {
      slots[end] = slot;
      return;
    }
    // The first of the last NEAR slots that sorts after `slot`.
    let lo = Math.max(0, end - NEAR);
    let hi = end - 1;
    if (lo > 0 && this.compare(slots[lo - 1]!, slot) > 0) {
      slots[end] = slot;
      this.sorted = false;
      return;
    }
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(slots[mid]!, slot) > 0) hi = mid;
      else lo = mid + 1;
    }
    slots.copyWithin(lo + 1, lo, end);
    slots[lo] = slot;
  }

  /** The slots in order: a view, valid until the next `add`. */
  view(): Int32Array {
    const view = this.slots.subarray(0, this.count);
    if (!this.sorted) {
      view.sort(this.compare);
      this.sorted = true;
    }
    return view;
  }

  /** The index of the first slot in {@link view} for which `after` holds (monotonic in order). */
  firstWhere(after: (slot: number) => boolean): number {
    const view = this.view();
    let lo = 0;
    let hi = view.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (after(view[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
