/**
 * A binary min-heap of `(key, slot)` pairs: keys in a `Float64Array`, slots (non-negative
 * integers, e.g. row numbers) in an `Int32Array`, both grown by doubling. An entry costs 12 bytes
 * and no object. Equal keys are ordered by `tie(slotA, slotB)`. Entries are never removed from the
 * middle: owners drop stale ones when they reach the top, or all at once with `rebuild`.
 */
export class MinHeap {
  private keys = new Float64Array(64);
  private slots = new Int32Array(64);
  private count = 0;
  private readonly tie: (a: number, b: number) => number;

  constructor(tie: (a: number, b: number) => number) {
    this.tie = tie;
  }

  get size(): number {
    return this.count;
  }

  push(key: number, slot: number): void {
    if (this.count === this.keys.length) this.grow();
    const keys = this.keys;
    const slots = this.slots;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(key, slot, keys[parent]!, slots[parent]!)) break;
      keys[i] = keys[parent]!;
      slots[i] = slots[parent]!;
      i = parent;
    }
    keys[i] = key;
    slots[i] = slot;
  }

  peekKey(): number | undefined {
    return this.count > 0 ? this.keys[0] : undefined;
  }

  peekSlot(): number | undefined {
    return this.count > 0 ? this.slots[0] : undefined;
  }

  pop(): void {
    if (this.count === 0) return;
    const n = --this.count;
    if (n === 0) return;
    this.siftDown(0, this.keys[n]!, this.slots[n]!);
  }

  /**
   * Replaces every entry with those `fill` adds, in O(n): how owners drop stale entries in bulk.
   * The arrays shrink to fit when they held far more.
   */
  rebuild(fill: (add: (key: number, slot: number) => void) => void): void {
    this.count = 0;
    fill((key, slot) => {
      if (this.count === this.keys.length) this.grow();
      this.keys[this.count] = key;
      this.slots[this.count] = slot;
      this.count++;
    });
    const fit = Math.max(64, 2 ** Math.ceil(Math.log2(this.count + 1)));
    if (fit * 4 <= this.keys.length) {
      this.keys = this.keys.slice(0, fit);
      this.slots = this.slots.slice(0, fit);
    }
    for (let i = (this.count >> 1) - 1; i >= 0; i--)
      this.siftDown(i, this.keys[i]!, this.slots[i]!);
  }

  /** Puts `(key, slot)` at `i` or below, moving smaller children up (entries at `count` excluded). */
  private siftDown(i: number, key: number, slot: number): void {
    const n = this.count;
    const keys = this.keys;
    const slots = this.slots;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.less(keys[right]!, slots[right]!, keys[left]!, slots[left]!)) {
        child = right;
      }
      if (!this.less(keys[child]!, slots[child]!, key, slot)) break;
      keys[i] = keys[child]!;
      slots[i] = slots[child]!;
      i = child;
    }
    keys[i] = key;
    slots[i] = slot;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const slots = new Int32Array(this.slots.length * 2);
    keys.set(this.keys);
    slots.set(this.slots);
    this.keys = keys;
    this.slots = slots;
  }

  private less(ka: number, sa: number, kb: number, sb: number): boolean {
    return ka < kb || (ka === kb && this.tie(sa, sb) < 0);
  }
}
