import type { Clock } from '@ringkit/call-client';
import type { CampaignRunner, Store, StoredCall } from '@ringkit/scheduler-core';
import { eachInSlices, nextBeat, yieldToLoop } from '@ringkit/internal';
import { fromStored } from './_entry-of.js';
import type { CampaignMirror } from './_mirror.js';

const LIVE = ['queued', 'initiated', 'ringing', 'answered'] as const;
const PAGE = 1000;

export interface RefreshOptions {
  runner: CampaignRunner;
  store: Store;
  mirror: CampaignMirror;
  clock: Clock;
  intervalMs: number;
  /** Tells of a read of the store that failed. */
  report(error: unknown): void;
}

/**
 * What other processes did, read into the mirror: every row once at start (`load`), then the
 * rows that may have moved every `intervalMs`, on the process's beat (`refresh`, one read at a
 * time), until `close()`.
 */
export function createRefresh({
  runner,
  store,
  mirror,
  clock,
  intervalMs,
  report,
}: RefreshOptions) {
  let running = false;
  /** `stop()` was called: the read that was to follow the one under way is not begun. */
  let stopped = false;
  let timer: unknown = null;
  let refreshing: Promise<void> | null = null;

  /** Every row of the campaign in list order, a page at a time, to `each`. */
  async function everyRow(each: (row: StoredCall) => void) {
    let after: number | null = null;
    for (;;) {
      const page: StoredCall[] = await runner.calls({ afterPosition: after, limit: PAGE });
      for (const row of page) each(row);
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.position ?? null;
      // A long campaign is read a page a turn: the process's other work goes on between pages.
      await yieldToLoop();
    }
  }

  /**
   * Adopts every row, then applies each quietly: the mirror of the campaign as stored, with no
   * event for what happened before this worker joined. Called before the worker's first claim
   * (`beforeClaims`), so each of its own claims is told in full, from `idle`. `created`: the rows
   * this worker wrote when it created the campaign, taken as they stand (nothing happened before
   * it joined: what other workers do from the creation on is told), where a worker that joined
   * reads every row.
   */
  async function load(created: readonly StoredCall[] | null = null) {
    let rows: readonly StoredCall[];
    if (created) {
      rows = created;
      await eachInSlices(rows, (row) => mirror.adopt(row));
    } else {
      const read: StoredCall[] = [];
      await everyRow((row) => {
        mirror.adopt(row);
        read.push(row);
      });
      rows = read;
    }
    await eachInSlices(rows, (row) => mirror.apply(fromStored(row), { quiet: true }));
  }

  /** Reads what other processes did: the live rows, the ones this mirror saw live, the frontier. */
  async function read() {
    let changed = mirror.takeCampaign(await runner.read());
    const apply = (row: StoredCall) => {
      changed = mirror.apply(fromStored(row)) || changed;
    };
    const live = await runner.calls({ status: [...LIVE], limit: 100_000 });
    const seen = new Set<string>();
    for (const row of live) {
      seen.add(row.id);
      apply(row);
    }
    // Entries not dialed end `canceled` (by whichever process stops them): read them all.
    if (mirror.stopped && !mirror.drained) await everyRow(apply);
    // The entries this mirror holds dialed and not ended (or ended in doubt: the worker that
    // placed the call may yet write the provider's answer), the live ones read just now aside.
    for (const slot of [...mirror.active]) {
      if (seen.has(slot.id)) continue;
      const row = await store.get(slot.id);
      if (row) apply(row);
    }
    await readFrontier(apply);
    if (changed || mirror.drained) mirror.progress();
    // Another process moved the campaign (ended a call, resumed it, raised its concurrency):
    // this worker may have places now. It claims at once rather than at its next re-check.
    if (changed) runner.claimNow();
  }

  /**
   * Rows from the first one this mirror holds idle, claimed (and maybe ended) elsewhere since
   * the last read: claims take fresh entries in list order, so the first row still untouched in
   * the store ends what there is to read.
   */
  async function readFrontier(apply: (row: StoredCall) => void) {
    const { slots } = mirror;
    while (mirror.frontier < slots.length && slots[mirror.frontier]?.entry.status !== 'idle') {
      mirror.frontier += 1;
    }
    for (;;) {
      const page: StoredCall[] = await runner.calls({
        afterPosition: mirror.frontier - 1,
        limit: Math.max(64, mirror.concurrency * 4),
      });
      let untouched = false;
      for (const row of page) {
        apply(row);
        if (row.status === 'scheduled' && row.attempt === 1) untouched = true;
      }
      if (untouched || page.length === 0) break;
      mirror.frontier = Math.max(mirror.frontier, (page[page.length - 1]!.position ?? 0) + 1);
    }
  }

  /** The read after the one under way, shared by every `refresh()` asked meanwhile. */
  let following: Promise<void> | null = null;

  function begin(): Promise<void> {
    refreshing = read()
      .catch(report)
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  }

  /**
   * Reads the store, from after this call: a read under way may have read the campaign before
   * what the caller just did elsewhere (a pause in another worker), so a caller that finds one
   * gets the read that follows it, one for every caller meanwhile. A read begun since then
   * (the beat's, say) is joined: it reads after the call too.
   */
  function refresh(): Promise<void> {
    if (refreshing === null) return begin();
    following ??= refreshing.then(() => {
      following = null;
      if (stopped) return undefined;
      return refreshing ?? begin();
    });
    return following;
  }

  function arm() {
    if (!running || mirror.drained) return;
    // On the process's beat: the campaigns of one process read the store together, which the
    // store may answer in one batch (PostgreSQL's `getCampaign` and `listCampaignCalls`).
    const now = clock.now();
    timer = clock.setTimeout(
      () => {
        timer = null;
        void refresh().then(arm);
      },
      nextBeat(now, intervalMs) - now,
    );
  }

  return {
    load,
    /** Reads the store once now; a failure is reported, not thrown. */
    readOnce: () => read().catch(report),
    /** Reads the store from now: after the read under way, if any (see `refresh`). */
    refresh,
    /** Reads the store every `intervalMs` from now, until the campaign is drained or closed. */
    start() {
      running = true;
      stopped = false;
      arm();
    },
    /** No more reads from now (a read under way goes on: see `settled`). */
    stop() {
      running = false;
      stopped = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
    /** Resolves once the read under way, and the one to follow it, if any, are over. */
    settled: () => following ?? refreshing,
  };
}
