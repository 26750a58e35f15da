/** The scenario of `campaigns.property.test.ts`: its lists, its provider's scripts, its steps. */
import type { Store } from '@ringkit/scheduler-core';

export const CALLER_ID = '+14155550100';
export const NAMES = ['alpha', 'beta'] as const;

/** The number of entry `index` of list `variant` of campaign `name`: unique in a run. */
export const phoneOf = (name: number, variant: number, index: number) =>
  `+1415555${3000 + name * 100 + variant * 20 + index}`;

/** What the provider does with the n-th call (the script is cycled). */
export interface CallScript {
  outcome: 'completed' | 'busy' | 'no-answer' | 'failed';
  /** The POST's answer comes this late (its call exists at once). */
  answerMs: number;
  /** The call's length at the provider, from the POST to its end. */
  ringMs: number;
  /** A `ringing` webhook half-way (an `answered` one before a completed end). */
  ringing: boolean;
  /** Each webhook leaves this late… */
  hookMs: number;
  /** …and is delivered this many times, each copy up to `spreadMs` later than the one before. */
  copies: number;
  spreadMs: number;
}

/** One campaign list a create may ask for, with the options it asks for. */
export interface ListSpec {
  size: number;
  concurrency: number;
  maxAttempts: number;
}

/**
 * Where a kill may strike: `insert`, a create's campaign just stored, before it answers; `claim`,
 * a claim of fresh entries just committed (the next worker takes them once the lease runs
 * out); `post`, a request about to leave, its entry marked (it never rings: its outcome is
 * unknown); `answer`, a request taken by the provider, its answer not back yet (it rings,
 * outcome unknown, holding its place under the cap).
 */
export type CrashPoint = 'insert' | 'claim' | 'post' | 'answer';

export type Action =
  | { kind: 'create'; worker: number; name: number; variant: number }
  | { kind: 'pause' | 'resume' | 'stop'; worker: number; name: number }
  | { kind: 'read'; worker: number; name: number; how: 'get' | 'snapshot' | 'results' | 'list' }
  /** The worker goes away (`close()`, or killed) and a new one takes its place `downMs` later. */
  | { kind: 'close' | 'kill'; worker: number; downMs: number }
  /** Armed now: the worker is killed the next time it is at `at`, restarted `downMs` later. */
  | { kind: 'crash'; worker: number; at: CrashPoint; downMs: number }
  /**
   * Armed now, fires once: on the next `done` of the campaign, or the next entry it reports
   * ended, in whichever worker tells it, `then` is asked of that worker or of the other one at
   * once (in the event's own tick: the races of a view just reported).
   */
  | {
      kind: 'trigger';
      on: 'done' | 'ended';
      name: number;
      then: 'stop' | 'pause' | 'resume' | 'snapshot' | 'kill';
      other: boolean;
    };

export interface Step {
  waitMs: number;
  /** Launched together, in this order, none awaited: their races are the point. */
  actions: Action[];
}

export interface Scenario {
  seed: number;
  /** `lists[name][variant]`. */
  lists: ListSpec[][];
  calls: CallScript[];
  steps: Step[];
}

export interface WorldOptions {
  /** A store connection to the run's place: a new one for each worker (a restart reconnects). */
  open(): Store;
  workers: number;
  leaseMs: number;
  callTimeoutMs: number;
  refreshIntervalMs: number;
}
