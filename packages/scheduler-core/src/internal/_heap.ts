/**
 * A binary min-heap of `(key, value)` pairs kept in two parallel arrays (a packed array of doubles
 * and one of references), so an entry costs two array slots and no object. Entries are never
 * removed from the middle: owners drop stale ones when they reach the top.
 */
export class MinHeap<V> {
  private keys: number[] = [];
  private values: V[] = [];
  private tie: (a: V, b: V) => number;

  constructor(tie: (a: V, b: V) => number) {
    this.tie = tie;
  }

  get size(): number {
    return this.keys.length;
  }

  push(key: number, value: V): void {
    const keys = this.keys;
    const values = this.values;
    let i = keys.length;
    keys.push(key);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(key, value, keys[parent]!, values[parent]!)) break;
      keys[i] = keys[parent]!;
      values[i] = values[parent]!;
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  peekKey(): number | undefined {
    return this.keys[0];
  }

  peekValue(): V | undefined {
    return this.values[0];
  }

  pop(): void {
    const keys = this.keys;
    const values = this.values;
    const lastKey = keys.pop();
    const lastValue = values.pop();
    const n = keys.length;
    if (n === 0 || lastKey === undefined || lastValue === undefined) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.less(keys[right]!, values[right]!, keys[left]!, values[left]!)) {
        child = right;
      }
      if (!this.less(keys[child]!, values[child]!, lastKey, lastValue)) break;
      keys[i] = keys[child]!;
      values[i] = values[child]!;
      i = child;
    }
    keys[i] = lastKey;
    values[i] = lastValue;
  }

  private less(ka: number, va: V, kb: number, vb: V): boolean {
    return ka < kb || (ka === kb && this.tie(va, vb) < 0);
  }
}
