/**
 * A campaign with calling hours in each callee's own time (`timezone: 'callee'`): 1,000 US, UK,
 * Australian and Indian numbers, created at one instant and run on the fake clock, with numbers on
 * the do-not-call list from the start and others put on it mid-run.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { createMemoryStore } from '../stores/memory/memory.js';
import { createSuppressionList } from '../suppressions.js';
import type { CallingWindow } from '../types.js';
import { windowOpening } from '../_window.js';
import { numberTimeZones } from '../_zones.js';
import { createCampaignRunner, type CampaignRunner } from './runner.js';

const CALLER_ID = '+14155550100';
/** 08:00 in New York, 13:00 in London, 17:30 in India, 20:00 in Perth, 22:00 in Sydney. */
const CREATED = Date.parse('2026-06-01T12:00:00Z');
const HOURS = { start: '08:00', end: '21:00', timezone: 'callee' } as const;

/**
 * Number prefixes and how many digits follow: New York, Chicago, Los Angeles, Denver, Phoenix,
 * Honolulu, and area codes over two zones (Alaska: Adak and Anchorage; 605: Denver and
 * Central; 775: Boise and Los Angeles); London, UK mobiles (London, Guernsey, Isle of Man),
 * Jersey; Australian mobiles (every Australian zone), Brisbane, Western Australia (Adelaide and
 * Perth); Indian mobiles.
 */
const PREFIXES: [string, number][] = [
  ['+1212', 7],
  ['+1312', 7],
  ['+1213', 7],
  ['+1303', 7],
  ['+1602', 7],
  ['+1808', 7],
  ['+1907', 7],
  ['+1605', 7],
  ['+1775', 7],
  ['+44207946', 4],
  ['+44795', 7],
  ['+441534', 6],
  ['+6141', 7],
  ['+61733', 6],
  ['+61892', 6],
  ['+9198', 8],
];

/** 1,000 distinct numbers, the kinds interleaved, each with an exchange that starts 2–9. */
function numbers(): string[] {
  return Array.from({ length: 1000 }, (_, i) => {
    const [prefix, digits] = PREFIXES[i % PREFIXES.length]!;
    const serial = String(Math.floor(i / PREFIXES.length)).padStart(digits - 1, '0');
    return `${prefix}${2 + (i % 8)}${serial}`.slice(0, prefix.length + digits);
  });
}

/** Hours and minutes at `at` in `zone`, read with Intl on its own. */
function localTime(at: number, zone: string): { date: string; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(at));
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return {
    date: `${part('year')}-${part('month')}-${part('day')}`,
    minutes: Number(part('hour')) * 60 + Number(part('minute')),
  };
}

const runners: CampaignRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.close()));
});

describe("a campaign with calling hours 08:00–21:00 'callee'", () => {
  it('calls 1,000 numbers only inside those hours in every zone of each, each on its first day, never a suppressed one', async () => {
    const clock = createFakeClock(CREATED);
    const provider = createFakeProvider({ clock, initialStatus: () => 'completed' });
    const store = createMemoryStore();
    const list = numbers();
    expect(new Set(list).size).toBe(1000);
    const runner = createCampaignRunner({
      store,
      provider,
      clock,
      campaign: 'callee-hours',
      callerId: CALLER_ID,
      entries: list.map((to) => ({ to })),
      window: HOURS,
      concurrency: 10,
      recheckIntervalMs: 0,
    });
    runners.push(runner);
    // 50 numbers on the do-not-call list before the campaign starts.
    const dnc = createSuppressionList({ store, clock });
    const before = list.filter((_, i) => i % 20 === 3);
    for (const to of before) await dnc.suppress(to, { reason: 'before' });
    await runner.start();

    // Each entry is stored with its zones and due at its own first opening.
    const rows = await store.listCampaignCalls!('callee-hours', { limit: 1000 });
    const openings = new Map<string, number>();
    const zones = new Map<string, readonly string[]>();
    for (const row of rows) {
      const window = row.options!.window!;
      expect(window).toEqual({
        ...HOURS,
        zones: numberTimeZones(row.to)!,
        zoneSource: 'number',
      } satisfies CallingWindow);
      const opening = windowOpening(window, CREATED)!;
      expect(row.dueAt).toBe(opening);
      openings.set(row.to, opening);
      zones.set(row.to, window.zones!);
    }
    // Several kinds are open at once: some numbers due now, others later.
    expect(rows.filter((r) => r.dueAt === CREATED).length).toBeGreaterThan(100);
    expect(rows.filter((r) => r.dueAt > CREATED).length).toBeGreaterThan(100);
    expect(new Set([...zones.values()].map((z) => z.length)).size).toBeGreaterThan(1);

    // Two days, a quarter of an hour at a time; six hours in, 50 numbers not called yet go on
    // the list.
    const midRun: string[] = [];
    for (let t = CREATED; t <= CREATED + 2 * 86_400_000; t += 15 * 60_000) {
      await clock.advanceTo(t);
      if (t === CREATED + 6 * 3_600_000) {
        const called = new Set(provider.placed.map((p) => p.request.to));
        midRun.push(
          ...list
            .filter((to) => !called.has(to) && !before.includes(to))
            .filter((_, i) => i % 3 === 0)
            .slice(0, 50),
        );
        expect(midRun).toHaveLength(50);
        for (const to of midRun) await dnc.suppress(to, { reason: 'mid-run' });
      }
    }

    const placed = provider.placed.map((p) => ({ to: p.request.to, at: p.at.getTime() }));
    const stopped = new Set([...before, ...midRun]);
    expect(placed.filter((p) => stopped.has(p.to))).toEqual([]);
    expect(placed.map((p) => p.to).sort()).toEqual(list.filter((to) => !stopped.has(to)).sort());
    const outside: string[] = [];
    const late: string[] = [];
    for (const { to, at } of placed) {
      for (const zone of zones.get(to)!) {
        const local = localTime(at, zone);
        if (local.minutes < 8 * 60 || local.minutes >= 21 * 60) {
          outside.push(`${to} at ${new Date(at).toISOString()} (${zone})`);
        }
        if (local.date !== localTime(openings.get(to)!, zone).date) late.push(`${to} (${zone})`);
      }
    }
    expect(outside).toEqual([]);
    expect(late).toEqual([]);

    // List order among the entries that were due: none was placed ahead of an earlier entry
    // already due and waiting.
    const position = new Map(list.map((to, i) => [to, i]));
    for (let i = 1; i < placed.length; i++) {
      const before = placed[i - 1]!;
      const after = placed[i]!;
      if (openings.get(after.to)! <= before.at) {
        expect(position.get(after.to)).toBeGreaterThan(position.get(before.to)!);
      }
    }
    const done = await store.listCampaignCalls!('callee-hours', { limit: 1000 });
    expect(done.filter((r) => r.status === 'completed')).toHaveLength(900);
    const ended = done.filter((r) => r.status === 'suppressed');
    expect(ended.map((r) => r.to).sort()).toEqual([...stopped].sort());
    for (const row of ended) {
      expect(row.events!.at(-1)!.note).toBe(before.includes(row.to) ? 'before' : 'mid-run');
    }
  });

  it('refuses the whole list when one number has no known zone and no fallback, naming the entry', () => {
    const entries = [{ to: '+12125550123' }, { to: '+80012345678' }];
    const create = () =>
      createCampaignRunner({
        store: createMemoryStore(),
        provider: createFakeProvider(),
        campaign: 'unknown-zone',
        callerId: CALLER_ID,
        entries,
        window: HOURS,
      });
    expect(create).toThrow(ValidationError);
    try {
      create();
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
        ['entries', 1, 'window', 'timezone'],
      ]);
    }
  });

  it('calls a number of no known zone in the fallback zone, and its row says so', async () => {
    const clock = createFakeClock(CREATED);
    const store = createMemoryStore();
    const runner = createCampaignRunner({
      store,
      provider: createFakeProvider({ clock }),
      clock,
      campaign: 'fallback',
      callerId: CALLER_ID,
      entries: [{ to: '+80012345678' }],
      window: { ...HOURS, fallbackTimezone: 'Asia/Tokyo' },
      recheckIntervalMs: 0,
    });
    runners.push(runner);
    await runner.start();
    const [row] = await store.listCampaignCalls!('fallback', { limit: 1 });
    expect(row!.options!.window).toMatchObject({ zones: ['Asia/Tokyo'], zoneSource: 'fallback' });
    // 21:00 in Tokyo now: due at 08:00 there (23:00Z).
    expect(new Date(row!.dueAt).toISOString()).toBe('2026-06-01T23:00:00.000Z');
  });

  it('holds an Australian mobile until 08:00 in Perth, and calls a Sydney landline at once', async () => {
    // 22:30Z: 08:30 in Sydney, 06:30 in Perth; an Australian mobile may be in either.
    const created = Date.parse('2026-06-01T22:30:00Z');
    const clock = createFakeClock(created);
    const provider = createFakeProvider({ clock });
    const store = createMemoryStore();
    const runner = createCampaignRunner({
      store,
      provider,
      clock,
      campaign: 'australia',
      callerId: CALLER_ID,
      entries: [{ to: '+61412345678' }, { to: '+61293744000' }],
      window: HOURS,
      recheckIntervalMs: 0,
    });
    runners.push(runner);
    await runner.start();
    const rows = await store.listCampaignCalls!('australia', { limit: 2 });
    expect(rows.map((r) => [r.to, new Date(r.dueAt).toISOString()])).toEqual([
      ['+61412345678', '2026-06-02T00:00:00.000Z'],
      ['+61293744000', '2026-06-01T22:30:00.000Z'],
    ]);
    await clock.advanceTo(Date.parse('2026-06-02T00:00:00Z'));
    expect(provider.placed.map((p) => [p.request.to, p.at.toISOString()])).toEqual([
      ['+61293744000', '2026-06-01T22:30:00.000Z'],
      ['+61412345678', '2026-06-02T00:00:00.000Z'],
    ]);
  });
});
