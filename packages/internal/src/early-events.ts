/** What the buffer keeps: anything with the provider's call id. */
export interface EarlyEvent {
  callId: string;
}

interface Held<E> {
  events: E[];
  /** When the first event for the id arrived. */
  since: number;
}

/**
 * Status events for call ids not known yet (a webhook that beat the answer to its POST), kept by
 * id until the id becomes known. Bounded two ways: at most `max` events in all (the oldest ids
 * go first) and at most `ttlMs` per id, checked whenever an event is added or taken. No timers.
 */
export class EarlyEventBuffer<E extends EarlyEvent> {
  readonly #held = new Map<string, Held<E>>();
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #size = 0;

  constructor(max: number, ttlMs: number, now: () => number) {
    this.#max = max;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** How many events are kept. */
  get size(): number {
    return this.#size;
  }

  /** Keeps an event; returns `false` when the buffer holds nothing at all (`max` is 0). */
  add(event: E): boolean {
    if (this.#max === 0) return false;
    const now = this.#now();
    this.#expire(now);
    while (this.#size >= this.#max) this.#dropOldest();
    const held = this.#held.get(event.callId);
    if (held) held.events.push(event);
    else this.#held.set(event.callId, { events: [event], since: now });
    this.#size += 1;
    return true;
  }

  /** Whether events are kept for `id` (expired ones included until the next add or take). */
  has(id: string): boolean {
    return this.#held.has(id);
  }

  /** Removes and returns the events kept for `id`, in arrival order; none when expired. */
  take(id: string): E[] {
    const held = this.#held.get(id);
    if (!held) return [];
    this.#held.delete(id);
    this.#size -= held.events.length;
    return this.#now() - held.since > this.#ttlMs ? [] : held.events;
  }

  /** Removes and returns every id's events still within `ttlMs`. */
  takeAll(): Map<string, E[]> {
    const now = this.#now();
    const all = new Map<string, E[]>();
    for (const [id, held] of this.#held) {
      if (now - held.since <= this.#ttlMs) all.set(id, held.events);
    }
    this.clear();
    return all;
  }

  clear(): void {
    this.#held.clear();
    this.#size = 0;
  }

  #expire(now: number): void {
    for (const [id, held] of this.#held) {
      if (now - held.since <= this.#ttlMs) return;
      this.#held.delete(id);
      this.#size -= held.events.length;
    }
  }

  #dropOldest(): void {
    const first = this.#held.entries().next();
    if (first.done) return;
    const [id, held] = first.value;
    held.events.shift();
    this.#size -= 1;
    if (held.events.length === 0) this.#held.delete(id);
  }
}
