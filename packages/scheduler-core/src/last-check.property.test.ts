/**
 * The law at the instant of placement, under random interleavings on the fake clock: calls
 * (scheduled ones, or a campaign's entries), paced or not, few or many at once, while numbers go
 * on and off the do-not-call list at random instants and the calling window may close mid-run.
 * Whatever the order of claims, turns and list changes:
 * - no request leaves for a number that was on the list the whole 51 ms before it (the claim's
 *   reading serves a request within 50 ms, `LIST_FRESH_MS`; any later one reads the list again);
 * - no request leaves in the window's last second or after it;
 * - every call ends placed once, or suppressed with nothing sent; what a closing window held back
 *   is placed at its next opening; none is left claimed.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCampaignRunner } from './campaign/runner.js';
import { LIST_FRESH_MS, WINDOW_MARGIN_MS } from './dispatch/_last-check.js';
import { createScheduler } from './scheduler.js';
import type { StoredCall } from './store.js';
import { createMemoryStore } from './stores/memory/memory.js';
import { createSuppressionList } from './suppressions.js';

const ME = '+14155550100';
/** 10:00 UTC, where a closing window (08:00–10:00) ends. */
const CLOSE = Date.parse('2026-03-09T10:00:00Z');
const START = CLOSE - 6000;
/** 08:00 UTC the next day, where the closing window opens again. */
const OPENING = Date.parse('2026-03-10T08:00:00Z');
const phoneOf = (k: number) => `+1415555${String(6000 + k)}`;

const scenario = fc.record({
  engine: fc.constantFrom('scheduler', 'campaign'),
  calls: fc.integer({ min: 1, max: 8 }),
  callsPerSecond: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  concurrency: fc.integer({ min: 1, max: 4 }),
  closing: fc.boolean(),
  /** List changes: when (ms after the start), which number, on or off. */
  changes: fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: 9000 }),
      k: fc.integer({ min: 0, max: 7 }),
      on: fc.boolean(),
    }),
    { maxLength: 24 },
  ),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Runs one scenario to its end; resolves to what reached the provider and every call's row. */
async function run(s: Scenario) {
  const clock = createFakeClock(START);
  const store = createMemoryStore();
  const list = createSuppressionList({ store, clock });
  const provider = createFakeProvider({
    clock,
    follow: 'webhooks',
    initialStatus: () => 'completed',
  });
  /** Each change as it was applied: the instant and whether the number is on the list after it. */
  const log: { at: number; phone: string; on: boolean }[] = [];
  for (const change of s.changes) {
    const phone = phoneOf(change.k);
    clock.setTimeout(() => {
      const applied = change.on ? list.suppress(phone) : list.unsuppress(phone);
      void applied.then(() => log.push({ at: clock.now(), phone, on: change.on }));
    }, change.at);
  }
  const window = s.closing ? { start: '08:00', end: '10:00', timezone: 'UTC' } : undefined;
  const phones = Array.from({ length: s.calls }, (_, k) => phoneOf(k));
  const pacing = s.callsPerSecond === undefined ? {} : { callsPerSecond: s.callsPerSecond };
  let rows: () => Promise<StoredCall[]>;
  let close: () => Promise<unknown>;
  if (s.engine === 'scheduler') {
    const scheduler = createScheduler({
      store,
      provider,
      clock,
      callerId: ME,
      concurrency: s.concurrency,
      ...pacing,
    });
    await scheduler.start();
    await scheduler.scheduleMany(
      phones.map((to, i) => ({
        to,
        at: new Date(START + 500 + i),
        ...(window ? { window } : {}),
      })),
    );
    rows = async () => (await store.list({ limit: 100 })).items;
    close = () => scheduler.stop();
  } else {
    const runner = createCampaignRunner({
      store,
      provider,
      clock,
      campaign: 'random',
      callerId: ME,
      entries: phones.map((to) => ({ to })),
      concurrency: s.concurrency,
      recheckIntervalMs: 50,
      ...pacing,
      ...(window ? { window } : {}),
    });
    await runner.start();
    rows = () => runner.calls({ limit: 100 });
    close = () => runner.close();
  }
  for (let t = START; t <= START + 15_000; t += 25) await clock.advanceTo(t);
  const result = {
    placed: [...provider.placed],
    rows: await rows(),
    log,
    later: [] as typeof provider.placed,
  };
  if (s.closing) {
    // The next morning: what waited for the window is called then.
    await clock.advanceTo(OPENING - 1);
    for (let t = OPENING; t <= OPENING + 12_000; t += 25) await clock.advanceTo(t);
    result.later = provider.placed.slice(result.placed.length);
    result.rows = await rows();
  }
  await close();
  return result;
}

/** Whether `phone` was on the list at every instant from `from` to `to` (both included). */
function listedThroughout(
  log: readonly { at: number; phone: string; on: boolean }[],
  phone: string,
  from: number,
  to: number,
): boolean {
  let on = false;
  for (const change of log) {
    if (change.phone !== phone) continue;
    if (change.at <= from) on = change.on;
    else if (change.at <= to && !change.on) return false;
  }
  return on;
}

describe('the last check, under random interleavings', () => {
  it('never sends a listed number or a call in a closing window, and leaves no call claimed', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { placed, rows, log, later } = await run(s);
        for (const placement of placed) {
          const at = placement.at.getTime();
          expect(
            listedThroughout(log, placement.to, at - LIST_FRESH_MS - 1, at),
            `${placement.to} placed at +${at - START} ms`,
          ).toBe(false);
          if (s.closing) expect(at).toBeLessThanOrEqual(CLOSE - WINDOW_MARGIN_MS);
        }
        // What waited for the window went the next morning, inside it, and not to a listed number.
        for (const placement of later) {
          const at = placement.at.getTime();
          expect(at).toBeGreaterThanOrEqual(OPENING);
          expect(listedThroughout(log, placement.to, at - LIST_FRESH_MS - 1, at)).toBe(false);
        }
        const sent = [...placed, ...later];
        expect(rows).toHaveLength(s.calls);
        for (const row of rows) {
          expect(row.leaseOwner, `${row.to} ${row.status}`).toBeNull();
          expect(['completed', 'suppressed'], `${row.to}`).toContain(row.status);
          const times = sent.filter((p) => p.to === row.to).length;
          expect(times).toBe(row.status === 'completed' ? 1 : 0);
        }
      }),
      { numRuns: 300 },
    );
    // A bound on liveness, not a timing: about 10 s alone, it took over two minutes beside a
    // second run of the whole suite.
  }, 600_000);
});
