/** Entries per chunk of a {@link SortedSlots}: 2 KiB of `Int32Array`. */
export const CHUNK = 512;

/** The most emptied chunks kept for reuse, per chunk size, in the whole process. */
export const SPARE_CHUNKS = 16;

/**
 * Chunks dropped empty, by size, for the next order that needs one: the indexes of rows being
 * placed and leased go from empty to one entry and back with each call when calls come due one
 * by one, and a new chunk each time cost 1.8–2.8 µs a round trip (0.4–0.5 µs reused). Kept for the
 * process, not per order, so finished campaigns' empty indexes hold none.
 */
const spareChunks = new Map<number, Int32Array[]>();

function keepSpare(chunk: Int32Array): void {
  let spares = spareChunks.get(chunk.length);
  if (!spares) spareChunks.set(chunk.length, (spares = []));
  if (spares.length < SPARE_CHUNKS) spares.push(chunk);
}

/**
 * Slots (non-negative integers, e.g. row numbers) kept sorted by a caller's order, in chunks of
 * `Int32Array`: about 4 bytes an entry and no object per entry. Adding or deleting one costs a
 * binary search and a move within one chunk (O(log n) comparisons, at most a chunk of memory
 * moved), so an order of a million entries changes as cheaply as one of ten; reading from a
 * position costs a binary search, then each entry read.
 *
 * The order must be total over the slots held (no two compare equal) and must not change for a
 * slot while it is held: take a slot out before changing its key, and put it back after.
 *
 * Chunks stay at least a quarter full: one that fills up is split (at the new entry when it goes
 * at the end, so entries added in order fill every chunk), and one that empties below a quarter
 * is merged into a neighbour that has room.
 */
export class SortedSlots {
  private chunks: Int32Array[] = [];
  private lengths: number[] = [];
  private count = 0;
  private readonly compare: (a: number, b: number) => number;
  private readonly capacity: number;

  /** `capacity` (entries per chunk, at least 2) is for tests; the default suits every store. */
  constructor(compare: (a: number, b: number) => number, capacity = CHUNK) {
    if (capacity < 2) throw new RangeError('SortedSlots: a chunk holds at least 2 entries');
    this.compare = compare;
    this.capacity = capacity;
  }

  /** How many slots it holds. */
  get size(): number {
    return this.count;
  }

  /** Adds `slot` in its place (the caller never adds a slot it holds). */
  add(slot: number): void {
    const { chunks, lengths, capacity } = this;
    this.count++;
    if (chunks.length === 0) {
      this.insertChunk(0, slot);
      return;
    }
    const compare = this.compare;
    let [ci, at] = this.locate((s) => compare(s, slot) > 0);
    if (ci === chunks.length) {
      ci = chunks.length - 1;
      at = lengths[ci]!;
    } else if (at === 0 && ci > 0 && lengths[ci - 1]! < capacity) {
      // Between two chunks: the end of the previous one is as good a place, and has room.
      ci--;
      at = lengths[ci]!;
    }
    const chunk = chunks[ci]!;
    const length = lengths[ci]!;
    if (length < capacity) {
      chunk.copyWithin(at + 1, at, length);
      chunk[at] = slot;
      lengths[ci] = length + 1;
      return;
    }
    if (at === length) {
      // After a full chunk: a chunk of its own, which the next entries in order fill.
      this.insertChunk(ci + 1, slot);
      return;
    }
    // Inside a full chunk: split it at the new entry (entries added in order go at the end of
    // what precedes them, which then stays full), leaving at least a quarter before the cut.
    const cut = Math.max(at, Math.max(1, capacity >> 2));
    const right = new Int32Array(capacity);
    right.set(chunk.subarray(cut, length));
    chunks.splice(ci + 1, 0, right);
    lengths.splice(ci + 1, 0, length - cut);
    lengths[ci] = cut;
    const [target, index] = at <= cut ? [ci, at] : [ci + 1, at - cut];
    const into = chunks[target]!;
    const size = lengths[target]!;
    into.copyWithin(index + 1, index, size);
    into[index] = slot;
    lengths[target] = size + 1;
  }

  /** Takes `slot` out (its key as when it was added); `false` when it is not held. */
  delete(slot: number): boolean {
    const compare = this.compare;
    const [ci, at] = this.locate((s) => compare(s, slot) >= 0);
    if (ci === this.chunks.length) return false;
    const chunk = this.chunks[ci]!;
    const length = this.lengths[ci]!;
    if (chunk[at] !== slot) return false;
    chunk.copyWithin(at, at + 1, length);
    this.lengths[ci] = length - 1;
    this.count--;
    this.shrink(ci);
    return true;
  }

  /**
   * The entries from the first one for which `after` holds (`after` must be false for a prefix
   * of the order and true for the rest). The reader is valid until the next change.
   */
  from(after: (slot: number) => boolean): SlotReader {
    const [ci, at] = this.locate(after);
    return new SlotReader(this.chunks, this.lengths, ci, at);
  }

  /** Every entry, in order. The reader is valid until the next change. */
  all(): SlotReader {
    return new SlotReader(this.chunks, this.lengths, 0, 0);
  }

  /** The entries from the last to the first, read as they are consumed. */
  *backwards(): Generator<number> {
    for (let ci = this.chunks.length - 1; ci >= 0; ci -= 1) {
      const chunk = this.chunks[ci]!;
      for (let at = this.lengths[ci]! - 1; at >= 0; at -= 1) yield chunk[at]!;
    }
  }

  /** The entries in order, as an array (for tests). */
  toArray(): number[] {
    const out: number[] = [];
    this.chunks.forEach((chunk, ci) => out.push(...chunk.subarray(0, this.lengths[ci])));
    return out;
  }

  /** Bytes held by its chunks (for tests): the entries and the room left in each chunk. */
  get bytes(): number {
    return this.chunks.length * this.capacity * 4;
  }

  /** The chunk and index of the first entry for which `after` holds; `[chunks.length, 0]` for none. */
  private locate(after: (slot: number) => boolean): [number, number] {
    const { chunks, lengths } = this;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (after(chunks[mid]![lengths[mid]! - 1]!)) hi = mid;
      else lo = mid + 1;
    }
    if (lo === chunks.length) return [lo, 0];
    const chunk = chunks[lo]!;
    let a = 0;
    let b = lengths[lo]! - 1;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (after(chunk[mid]!)) b = mid;
      else a = mid + 1;
    }
    return [lo, a];
  }

  private insertChunk(ci: number, slot: number): void {
    const chunk = spareChunks.get(this.capacity)?.pop() ?? new Int32Array(this.capacity);
    chunk[0] = slot;
    this.chunks.splice(ci, 0, chunk);
    this.lengths.splice(ci, 0, 1);
  }

  /** Drops chunk `ci` when empty, or merges it into a neighbour when under a quarter full. */
  private shrink(ci: number): void {
    const { chunks, lengths, capacity } = this;
    const length = lengths[ci]!;
    if (length === 0) {
      keepSpare(chunks[ci]!);
      chunks.splice(ci, 1);
      lengths.splice(ci, 1);
      return;
    }
    if (length >= Math.max(1, capacity >> 2)) return;
    // Merge into a neighbour that stays at most three quarters full, so the next add does not
    // split it again at once.
    const room = capacity - Math.max(1, capacity >> 2);
    const left = ci > 0 && lengths[ci - 1]! + length <= room ? ci - 1 : -1;
    const into =
      left >= 0 ? left : ci + 1 < chunks.length && lengths[ci + 1]! + length <= room ? ci : -1;
    if (into < 0) return;
    const target = chunks[into]!;
    const source = chunks[into + 1]!;
    target.set(source.subarray(0, lengths[into + 1]), lengths[into]);
    lengths[into] = lengths[into]! + lengths[into + 1]!;
    chunks.splice(into + 1, 1);
    lengths.splice(into + 1, 1);
  }
}

/** Reads a {@link SortedSlots} forward from a position: `slot` is the current entry, -1 past the end. */
export class SlotReader {
  slot = -1;
  private readonly chunks: Int32Array[];
  private readonly lengths: number[];
  private ci: number;
  private at: number;

  constructor(chunks: Int32Array[], lengths: number[], ci: number, at: number) {
    this.chunks = chunks;
    this.lengths = lengths;
    this.ci = ci;
    this.at = at;
    this.read();
  }

  /** Moves to the next entry. */
  next(): void {
    this.at++;
    if (this.at >= this.lengths[this.ci]!) {
      this.ci++;
      this.at = 0;
    }
    this.read();
  }

  private read(): void {
    this.slot = this.ci < this.chunks.length ? this.chunks[this.ci]![this.at]! : -1;
  }
}
