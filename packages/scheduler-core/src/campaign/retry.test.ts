/**
 * A campaign's retries by outcome: stored with it, applied to every entry, counted by outcome
 * across its entries, and refused where they could never apply.
 */
import type { AnsweredBy, CallStatus } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { isValidationError, type ValidationError } from '../errors.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import { countAttempts } from '../_retry.js';
import { createCampaignRunner, type CampaignRunner } from './runner.js';
import { campaignSettings } from './settings.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const CALLER_ID = '+14155550100';
const BUSY = '+14155552001'; // busy, busy, then answered
const MACHINE = '+14155552002'; // a machine every time
const PERSON = '+14155552003';

const runners: CampaignRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

const detect = { machineDetection: 'detect' } as const;
const retry = {
  busy: { afterMs: 60_000, maxAttempts: 3 },
  machine: { afterMs: 3_600_000, maxAttempts: 2 },
};

function setup(overrides: Record<string, unknown> = {}) {
  const clock = createFakeClock(T0);
  const store = createMemoryStore();
  const tries = new Map<string, number>();
  const provider = createFakeProvider({
    clock,
    callOptions: ['machineDetection'],
    script: (to): CallStatus[] => {
      const n = (tries.get(to) ?? 0) + 1;
      tries.set(to, n);
      return [to === BUSY && n < 3 ? 'busy' : 'completed'];
    },
    answeredBy: (to): AnsweredBy => (to === MACHINE ? 'machine' : 'human'),
  });
  const runner = createCampaignRunner({
    store,
    provider,
    campaign: 'spring',
    callerId: CALLER_ID,
    clock,
    concurrency: 1,
    recheckIntervalMs: 0,
    entries: [BUSY, MACHINE, PERSON].map((to) => ({ to, call: detect })),
    retry,
    ...overrides,
  });
  runners.push(runner);
  return { clock, store, provider, runner };
}

describe('a campaign with retries by outcome', () => {
  it('retries each entry by its outcome, dials the others meanwhile, and counts attempts by outcome', async () => {
    const { clock, store, provider, runner } = setup();
    const campaign = await runner.start();
    expect(campaignSettings(campaign)).toMatchObject({
      retry,
      retryBackoff: null,
      maxAttempts: 4,
    });
    await clock.advance(6 * 3_600_000);
    const placed = provider.placed.map((p) => [p.to, p.at.getTime() - T0]);
    // One at a time: busy at +1 s, so the machine and the person are dialed while it waits.
    expect(placed).toEqual([
      [BUSY, 0],
      [MACHINE, 1000],
      [PERSON, 2000],
      [BUSY, 61_000],
      [BUSY, 122_000],
      [MACHINE, 3_602_000],
    ]);
    const rows = await store.listCampaignCalls!('spring', { limit: 10 });
    expect(rows.map((r) => [r.status, r.attempt])).toEqual([
      ['completed', 3],
      ['completed', 2],
      ['completed', 1],
    ]);
    expect(rows.map((r) => countAttempts(r.events ?? []))).toEqual([
      { busy: 2, completed: 1 },
      { machine: 2 },
      { completed: 1 },
    ]);
    expect(await runner.attempts()).toEqual({ busy: 2, completed: 2, machine: 2 });
  });

  it('refuses retry.machine when an entry has no machine detection, naming the entry', () => {
    let error: unknown;
    try {
      setup({ entries: [{ to: BUSY, call: detect }, { to: PERSON }] });
    } catch (e) {
      error = e;
    }
    expect(isValidationError(error)).toBe(true);
    expect((error as ValidationError).issues).toEqual([
      expect.objectContaining({
        path: ['entries', 1, 'retry', 'machine'],
        message: expect.stringContaining('retry.machine needs call.machineDetection'),
      }),
    ]);
  });

  it('refuses retryBackoff beside retry', () => {
    expect(() => setup({ retryBackoff: { delayMs: 1000 } })).toThrow(
      /retryBackoff applies only without retry/,
    );
  });

  it('refuses an unknown outcome with the one meant', () => {
    expect(() => setup({ retry: { no_answer: { afterMs: 0, maxAttempts: 2 } } })).toThrow(
      /unknown outcome "no_answer": did you mean "no-answer"\?/,
    );
  });
});
