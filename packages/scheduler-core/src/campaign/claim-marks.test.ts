/**
 * A campaign without a send budget sends what it claims at once: its claim marks the rows too
 * (`CampaignClaimOptions.mark`), and no write of a row comes between its claim and its request.
 * A marked row the runner does not send (it stops first) is handed back unmarked.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScheduledCallStatus } from '../types.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import type { CampaignClaimOptions, Store, StoredCall } from '../store.js';
import { timeline } from '../_rows.js';
import type { CampaignRunnerOptions } from './options.js';
import { createCampaignRunner, type CampaignRunner } from './runner.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const NUMBERS = Array.from({ length: 6 }, (_, i) => `+1415555200${i}`);

const runners: CampaignRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

/** A runner of the campaign `spring`, 2 calls at once, closed after the test. */
function runnerOf(
  options: Pick<
    CampaignRunnerOptions,
    'store' | 'provider' | 'clock' | 'callsPerSecond' | 'entries'
  >,
): CampaignRunner {
  const runner = createCampaignRunner({
    ...options,
    campaign: 'spring',
    callerId: '+14155550100',
    concurrency: 2,
    recheckIntervalMs: 0,
  });
  runners.push(runner);
  return runner;
}

/** A memory store whose claims, writes and the provider's requests go to one log, in order. */
function setup(
  options: { callsPerSecond?: number; afterClaim?: (runner: CampaignRunner) => void } = {},
) {
  const clock = createFakeClock(T0);
  const inner = createMemoryStore();
  const log: string[] = [];
  const claimOptions: CampaignClaimOptions[] = [];
  const idOf = new Map<string, string>();
  const store: Store = Object.create(inner) as Store;
  store.claimCampaign = async (...args) => {
    claimOptions.push(args[5]);
    const claim = await inner.claimCampaign!(...args);
    for (const row of claim.calls) {
      idOf.set(row.id, row.to);
      log.push(`claim ${row.to}`);
    }
    options.afterClaim?.(runner);
    return claim;
  };
  store.update = (id, ...rest) => {
    log.push(`write ${idOf.get(id)}`);
    return inner.update(id, ...rest);
  };
  // The memory store has no `updateMany`: every write goes through `update`.
  expect(inner.updateMany).toBeUndefined();
  const provider = createFakeProvider({ clock, script: () => ['ringing', 'completed'] });
  const placeCall = provider.placeCall.bind(provider);
  provider.placeCall = (request, ...rest) => {
    log.push(`place ${request.to}`);
    return placeCall(request, ...rest);
  };
  const runner = runnerOf({
    store,
    provider,
    clock,
    ...(options.callsPerSecond ? { callsPerSecond: options.callsPerSecond } : {}),
    entries: NUMBERS.map((to) => ({ to })),
  });
  return { clock, store: inner, provider, runner, log, claimOptions };
}

/** The log's lines of one number, in order. */
const linesOf = (log: string[], to: string) =>
  log.filter((line) => line.endsWith(` ${to}`)).map((line) => line.split(' ')[0]);

describe('a campaign claim that marks', () => {
  it('without a budget: the claim marks, and the request follows it with no write between', async () => {
    const { clock, store, provider, runner, log, claimOptions } = setup();
    const moves: [string, ScheduledCallStatus, ScheduledCallStatus, number][] = [];
    runner.on('status', (e) => moves.push([e.call.to, e.previous, e.status, e.call.version]));
    await runner.start();
    await clock.advance(60_000);
    expect(provider.placed.map((p) => p.to)).toEqual(NUMBERS);
    expect(claimOptions.every((o) => o.mark === true)).toBe(true);
    for (const to of NUMBERS) {
      // Claimed, placed, then the answer and the statuses written.
      expect(linesOf(log, to).slice(0, 2)).toEqual(['claim', 'place']);
    }
    const rows = await store.listCampaignCalls!('spring', { limit: 10 });
    for (const row of rows) {
      expect(row.status).toBe('completed');
      // One `queued` step, at the claim: the mark.
      const queued = timeline(row).filter((step) => step.status === 'queued');
      expect(queued).toHaveLength(1);
      expect(queued[0]!.at).toBe(row.placingAt);
      // Told once, with the claim's version; every later step with a version of its own.
      const told = moves.filter(([to]) => to === row.to);
      expect(told[0]).toEqual([row.to, 'scheduled', 'queued', 2]);
      expect(told.map(([, , , version]) => version)).toEqual(told.map((_, i) => 2 + i));
    }
  });

  it('with a budget: the claim marks nothing, each mark is written at its turn', async () => {
    const { clock, provider, runner, log, claimOptions } = setup({ callsPerSecond: 5 });
    await runner.start();
    await clock.advance(60_000);
    expect(provider.placed.map((p) => p.to)).toEqual(NUMBERS);
    expect(claimOptions.some((o) => o.mark === true)).toBe(false);
    for (const to of NUMBERS)
      expect(linesOf(log, to).slice(0, 3)).toEqual(['claim', 'write', 'place']);
  });

  it('a marked row not sent (the runner stopped) is handed back as an unmarked claim leaves it, and placed by the next runner', async () => {
    let stopped: Promise<void> | null = null;
    const { clock, store, provider, runner } = setup({
      afterClaim: (self) => {
        stopped ??= self.close();
      },
    });
    await runner.start();
    await stopped;
    expect(provider.placed).toEqual([]);
    const rows = await store.listCampaignCalls!('spring', { limit: 10 });
    const handedBack = (row: StoredCall) => ({
      status: row.status,
      placingAt: row.placingAt,
      leaseOwner: row.leaseOwner,
      steps: timeline(row).map((step) => step.status),
    });
    expect(rows.map(handedBack)).toEqual(
      NUMBERS.map(() => ({
        status: 'scheduled',
        placingAt: null,
        leaseOwner: null,
        steps: ['scheduled'],
      })),
    );

    const next = runnerOf({ store, provider, clock });
    await next.start();
    await clock.advance(60_000);
    expect(provider.placed.map((p) => p.to)).toEqual(NUMBERS);
    const done = await store.listCampaignCalls!('spring', { limit: 10 });
    expect(done.map((row) => [row.status, row.reason])).toEqual(
      NUMBERS.map(() => ['completed', null]),
    );
  });
});
