/**
 * Calling hours in the callee's time through the API: `window.timezone: 'callee'` on a scheduled
 * call and on a campaign, checked by one schema, stored with the number's zones, and a call due
 * outside them moved to the next opening (its new `scheduled_time`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const HOURS = { start: '08:00', end: '21:00', timezone: 'callee' };
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const schedule = (body: Record<string, unknown>) =>
  api(`${app.url}/api/scheduled-calls`, {
    method: 'POST',
    body: { scheduled_time: inAnHour(), ...body },
  });

/** HH:00 in New York at `at`. */
function newYorkHour(at: number): string {
  const hour = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York',
    hour: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(at));
  return `${hour}:00`;
}

describe("POST /api/scheduled-calls with window.timezone 'callee'", () => {
  it("answers the call with the number's zones, and where they came from", async () => {
    const res = await schedule({ phone_number: '+19075550123', window: HOURS });
    expect(res.status).toBe(201);
    expect(res.json.window).toEqual({
      ...HOURS,
      fallback_timezone: null,
      zones: ['America/Adak', 'America/Anchorage'],
      zone_source: 'number',
    });
    expect(res.json.callee_zones).toEqual(['America/Adak', 'America/Anchorage']);
  });

  it('applies fallback_timezone to a number of no known zone, and says so', async () => {
    const res = await schedule({
      phone_number: '+80012345678',
      window: { ...HOURS, fallback_timezone: 'Europe/Paris' },
    });
    expect(res.status).toBe(201);
    expect(res.json.window).toMatchObject({ zones: ['Europe/Paris'], zone_source: 'fallback' });
  });

  it.each([
    [
      'a number of no known zone without a fallback',
      '+80012345678',
      HOURS,
      'no time zone is known',
    ],
    [
      "hours that never meet in the number's zones",
      '+19075550123',
      { ...HOURS, end: '09:00' },
      'no minute within a week',
    ],
    ['a misspelt zone', '+12125550123', { ...HOURS, timezone: 'calee' }, "or 'callee'"],
    ['zones given', '+12125550123', { ...HOURS, zones: ['UTC'] }, 'zones'],
  ])('answers 400 for %s', async (_name, phone, window, message) => {
    const res = await schedule({ phone_number: phone, window });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain(message);
  });

  it('moves a call due outside its hours to their next opening, and shows its new time', async () => {
    // A window that opens in New York within two hours (more than one from now), for an hour.
    const t0 = Date.now();
    const window = {
      start: newYorkHour(t0 + 2 * 3_600_000),
      end: newYorkHour(t0 + 3 * 3_600_000),
      timezone: 'callee',
    };
    const created = await schedule({
      phone_number: '+12125550123',
      scheduled_time: new Date(t0 + 500).toISOString(),
      window,
    });
    expect(created.status).toBe(201);
    const moved = await eventually(async () => {
      const { json } = await api(`${app.url}/api/scheduled-calls/${created.json.id}`);
      return json.timeline.some((s: { reason: string | null }) => s.reason === 'window') && json;
    });
    expect(moved.status).toBe('scheduled');
    const due = Date.parse(moved.scheduled_time);
    expect(due).toBeGreaterThan(t0 + 3_600_000);
    expect(due).toBeLessThanOrEqual(t0 + 2 * 3_600_000);
    expect(due % 3_600_000).toBe(0); // New York's offset is whole hours
    expect(newYorkHour(due)).toBe(window.start);
  });
});

describe("POST /api/campaigns with window.timezone 'callee'", () => {
  it('creates the campaign with its window, each entry due in its own hours', async () => {
    const res = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: {
        name: 'callee-hours',
        numbers: ['+12125550123', '+447951234567', '+61412345678', '+919812345678'],
        window: HOURS,
      },
    });
    expect(res.status).toBe(201);
    expect(res.json.window).toEqual({
      ...HOURS,
      fallback_timezone: null,
      zones: null,
      zone_source: null,
    });
  });

  it('answers 400 naming the entry whose number has no known zone, and creates nothing', async () => {
    const res = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'no-zone', numbers: ['+12125550123', '+80012345678'], window: HOURS },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('no time zone is known for +80012345678');
    expect(res.json.error.details.issues.map((i: { path: string[] }) => i.path)).toEqual([
      ['entries', '1', 'window', 'timezone'],
    ]);
    expect((await api(`${app.url}/api/campaigns/no-zone`)).status).toBe(404);
  });

  it('answers 400 for a window the schema refuses, before any number is checked', async () => {
    const res = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { numbers: ['+12125550123'], window: { ...HOURS, timezone: 'Mars/Olympus' } },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('window.timezone');
  });
});
