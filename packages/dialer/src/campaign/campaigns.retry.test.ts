/**
 * Campaigns created with retries by outcome: each entry is tried again by how its attempt
 * ended, and the campaign's view, snapshot and results count its attempts by outcome.
 */
import type { AnsweredBy, CallStatus } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { isValidationError } from '@ringkit/scheduler-core';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import type { DialerEntry } from '../types.js';
import { createCampaigns } from './campaigns.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');
const CALLER_ID = '+14155550100';
const BUSY = '+14155552001'; // busy twice, then answered by a person
const MACHINE = '+14155552002'; // a machine every time
const AWAY = '+14155552003'; // never answers

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function setup() {
  const clock = createFakeClock(T0);
  const tries = new Map<string, number>();
  const provider = createFakeProvider({
    clock,
    callOptions: ['machineDetection'],
    script: (to): CallStatus[] => {
      const n = (tries.get(to) ?? 0) + 1;
      tries.set(to, n);
      if (to === AWAY) return ['no-answer'];
      return [to === BUSY && n < 3 ? 'busy' : 'completed'];
    },
    answeredBy: (to): AnsweredBy | undefined =>
      to === MACHINE ? 'machine' : to === BUSY ? 'human' : undefined,
  });
  const campaigns = createCampaigns({
    store: createMemoryStore(),
    provider,
    callerId: CALLER_ID,
    clock,
    refreshIntervalMs: 600_000,
  });
  cleanups.push(() => campaigns.close());
  return { clock, provider, campaigns };
}

const numbers = [BUSY, MACHINE, AWAY].map((phone) => ({
  phone,
  call: { machineDetection: 'detect' as const },
}));

describe('a campaign created with retry', () => {
  it('retries each entry by its outcome and counts the attempts by outcome in its view and results', async () => {
    const { clock, provider, campaigns } = setup();
    await campaigns.start();
    await campaigns.create('spring', numbers, {
      concurrency: 3,
      retry: {
        busy: { afterMs: 60_000, maxAttempts: 3 },
        'no-answer': { afterMs: 3_600_000, maxAttempts: 2 },
        machine: { afterMs: 7_200_000, maxAttempts: 2 },
      },
    });
    await clock.advance(3 * 3_600_000);
    const tries = (to: string) => provider.placed.filter((p) => p.to === to).length;
    expect([tries(BUSY), tries(MACHINE), tries(AWAY)]).toEqual([3, 2, 2]);

    const view = await campaigns.get('spring');
    expect(view.state).toBe('done');
    expect(view.attempts).toEqual({ busy: 2, completed: 1, machine: 2, 'no-answer': 2 });
    const outcomes = (entries: DialerEntry[]) => entries.map((e) => e.outcomes);
    const expected = [{ busy: 2, completed: 1 }, { machine: 2 }, { 'no-answer': 2 }];
    expect(outcomes((await campaigns.snapshot('spring')).entries)).toEqual(expected);
    const results: DialerEntry[] = [];
    for await (const entry of campaigns.results('spring')) results.push(entry);
    expect(outcomes(results)).toEqual(expected);
    // The entry left to the machine ends completed, answered by a machine.
    expect(results[1]).toMatchObject({ status: 'completed', attempts: 2, answeredBy: 'machine' });
  });

  it('refuses retry.machine for a list whose entries do not detect machines, and creates nothing', async () => {
    const { campaigns } = setup();
    await campaigns.start();
    const error = await campaigns
      .create('plain', [BUSY, AWAY], { retry: { machine: { afterMs: 0, maxAttempts: 2 } } })
      .catch((e: unknown) => e);
    expect(isValidationError(error)).toBe(true);
    expect(String(error)).toMatch(/retry\.machine needs call\.machineDetection/);
    expect((await campaigns.list()).items).toEqual([]);
  });
});
