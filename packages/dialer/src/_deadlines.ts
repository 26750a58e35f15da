import { type Clock } from '@ringkit/call-client';
import { clampTimerMs } from '@ringkit/internal';
import type { Entry } from './_entry.js';

/**
 * The `callTimeoutMs` deadlines of the attempts in flight, on ONE clock timer. Attempts start in
 * order and share one timeout, so their deadlines come in order too: a FIFO whose head arms the
 * timer. Attempts that ended are skipped when they reach the head; no timer is set or cleared
 * per call.
 */
export class Deadlines {
  readonly #clock: Clock;
  readonly #onExpire: (entry: Entry, attempt: number) => void;
  #entries: Entry[] = [];
  #attempts: number[] = [];
  #at: number[] = [];
  #head = 0;
  #timer: unknown = undefined;
  #firing = false;

  constructor(clock: Clock, onExpire: (entry: Entry, attempt: number) => void) {
    this.#clock = clock;
    this.#onExpire = onExpire;
  }

  /** Adds the deadline of an attempt that just started; `at` is never before earlier ones. */
  add(entry: Entry, attempt: number, at: number): void {
    this.#entries.push(entry);
    this.#attempts.push(attempt);
    this.#at.push(at);
    if (this.#timer === undefined && !this.#firing) this.#arm();
  }

  /** Forgets every deadline (nothing is in flight any more) and clears the timer. */
  clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#entries = [];
    this.#attempts = [];
    this.#at = [];
    this.#head = 0;
  }

  #live(position: number): boolean {
    return (this.#entries[position] as Entry).isActive(this.#attempts[position] as number);
  }

  #arm(): void {
    while (this.#head < this.#entries.length && !this.#live(this.#head)) this.#head += 1;
    if (this.#head === this.#entries.length) {
      this.clear();
      return;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#attempts = this.#attempts.slice(this.#head);
      this.#at = this.#at.slice(this.#head);
      this.#head = 0;
    }
    const wait = clampTimerMs((this.#at[this.#head] as number) - this.#clock.now());
    this.#timer = this.#clock.setTimeout(() => this.#fire(), wait);
  }

  #fire(): void {
    this.#timer = undefined;
    this.#firing = true;
    try {
      const now = this.#clock.now();
      // Read the fields afresh each turn: an expiry may clear() the queue.
      while (this.#head < this.#entries.length && (this.#at[this.#head] as number) <= now) {
        const position = this.#head;
        this.#head += 1;
        if (this.#live(position)) {
          this.#onExpire(this.#entries[position] as Entry, this.#attempts[position] as number);
        }
      }
    } finally {
      this.#firing = false;
    }
    if (this.#timer === undefined) this.#arm();
  }
}
