import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp;
let base: string;
beforeAll(async () => {
  app = await startTestApp();
  base = `${app.url}/api/scheduled-calls`;
});
afterAll(() => app.close());

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

async function schedule(body: Record<string, unknown> = {}) {
  const res = await api(base, {
    method: 'POST',
    body: { phone_number: '+1 (415) 555-2671', scheduled_time: inAnHour(), ...body },
  });
  expect(res.status).toBe(201);
  return res.json;
}

describe('POST /api/scheduled-calls', () => {
  it('answers 201 with the call in snake_case, status scheduled, number in E.164', async () => {
    const at = inAnHour();
    const res = await api(base, {
      method: 'POST',
      body: { phone_number: '(415) 555-2671', scheduled_time: at, metadata: { note: 'hi' } },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/scheduled-calls/${res.json.id}`);
    expect(res.json).toMatchObject({
      phone_number: '+14155552671',
      status: 'scheduled',
      scheduled_time: at,
      attempt: 1,
      max_attempts: 1,
      attempts: [],
      provider_call_id: null,
      metadata: { note: 'hi' },
      timeline: [{ status: 'scheduled', attempt: 1 }],
    });
    expect(Object.keys(res.json).every((k) => /^[a-z_]+$/.test(k))).toBe(true);
  });

  it('takes a time with an offset, a recurrence in a time zone and retries', async () => {
    const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const res = await api(base, {
      method: 'POST',
      body: {
        phone_number: '13018040009',
        scheduled_time: `${day}T09:30:00+01:00`,
        recurrence: { cron: '30 9 * * *' },
        timezone: 'Europe/Paris',
        max_attempts: 3,
        window: { start: '08:00', end: '21:00', timezone: 'America/New_York' },
      },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      scheduled_time: `${day}T08:30:00.000Z`,
      recurrence: { cron: '30 9 * * *', timezone: 'Europe/Paris' },
      max_attempts: 3,
      window: { start: '08:00', end: '21:00', timezone: 'America/New_York' },
    });
  });

  it('returns the same call for a repeated idempotency key', async () => {
    const first = await schedule({ idempotency_key: 'k-1' });
    const second = await schedule({ idempotency_key: 'k-1', phone_number: '13018040009' });
    expect(second.id).toBe(first.id);
  });

  it.each([
    ['an invalid number', { phone_number: '12345' }, 'phone_number'],
    ['a missing number', { phone_number: undefined }, 'phone_number'],
    ['a date that is not ISO 8601', { scheduled_time: 'tomorrow' }, 'scheduled_time'],
    ['a date without a zone', { scheduled_time: '2099-01-01T09:00:00' }, 'scheduled_time'],
    ['a date in the past', { scheduled_time: '2001-01-01T00:00:00Z' }, 'scheduled_time'],
    ['a missing date', { scheduled_time: undefined }, 'scheduled_time'],
    ['an unknown field', { priority: 'high' }, ''],
    ['a bad cron', { recurrence: { cron: 'every day' } }, 'recurrence'],
    [
      'an unknown time zone',
      { recurrence: { cron: '0 9 * * *', timezone: 'Mars/Olympus' } },
      'recurrence',
    ],
    ['zero attempts', { max_attempts: 0 }, 'max_attempts'],
    [
      'a window without HH:MM',
      { window: { start: '8am', end: '21:00', timezone: 'UTC' } },
      'window',
    ],
  ])('answers 400 for %s', async (_name, patch, field) => {
    const body: Record<string, unknown> = {
      phone_number: '+14155552671',
      scheduled_time: inAnHour(),
      ...patch,
    };
    const res = await api(base, { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.message).toMatch(new RegExp(field));
    expect(res.json.error.details.issues.length).toBeGreaterThan(0);
  });

  it.each([
    ['scheduledAt', 'scheduled_time'],
    ['at', 'scheduled_time'],
    ['to', 'phone_number'],
    ['say', 'message'],
    ['maxAttempts', 'max_attempts'],
  ])(
    'answers 400 for the field %s, saying %s was meant, and schedules nothing',
    async (given, meant) => {
      const before = (await api(base)).json.items.length;
      const body = { phone_number: '+14155552671', scheduled_time: inAnHour(), [given]: 'x' };
      const res = await api(base, { method: 'POST', body });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toBe(
        `body: unknown field "${given}": did you mean "${meant}"?`,
      );
      expect((await api(base)).json.items.length).toBe(before);
    },
  );

  it('answers 400 for malformed JSON and for a body that is not an object', async () => {
    const malformed = await api(base, { method: 'POST', raw: '{"phone_number": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual({
      error: { code: 'invalid_json', message: 'The request body is not valid JSON' },
    });
    const array = await api(base, { method: 'POST', raw: '[]' });
    expect(array.status).toBe(400);
    const none = await api(base, { method: 'POST' });
    expect(none.status).toBe(400);
  });

  it('answers 400, never 500, for metadata nested 3,000 deep, too deep or too large', async () => {
    app = await startTestApp();
    // `{"a":[[[…]]]}`: 3,000 levels in 6 kB.
    let nested: unknown = [];
    for (let i = 0; i < 3_000; i += 1) nested = [nested];
    const deep = { a: nested };
    const at = new Date(Date.now() + 3_600_000).toISOString();
    for (const metadata of [
      deep,
      { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } },
      { blob: 'x'.repeat(5_000) },
    ]) {
      const res = await api(`${app.url}/api/scheduled-calls`, {
        method: 'POST',
        body: { phone_number: '+14155552671', scheduled_time: at, metadata },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(/metadata may nest at most 8 levels/);
    }
    expect((await api(`${app.url}/api/scheduled-calls`)).json.items).toEqual([]);
  });

  it('answers 400 for an idempotency key or metadata with text no store keeps as given', async () => {
    for (const [body, said] of [
      [{ idempotency_key: 'k\u0000' }, /idempotency.*NUL character/i],
      [{ idempotency_key: 'k\uD800' }, /idempotency.*lone surrogate/i],
      [{ metadata: { note: 'a\u0000b' } }, /metadata.*note.*NUL character/],
    ] as const) {
      const res = await api(base, {
        method: 'POST',
        body: { phone_number: '+14155552671', scheduled_time: inAnHour(), ...body },
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.json.error)).toMatch(said);
    }
  });

  it('answers 413 with a JSON error for a body over 16 kB', async () => {
    const res = await api(base, {
      method: 'POST',
      body: { phone_number: '+14155552671', metadata: { blob: 'x'.repeat(20_000) } },
    });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('payload_too_large');
  });
});

describe('GET /api/scheduled-calls', () => {
  it('lists calls with next_cursor paging and filters by status and number', async () => {
    const a = await schedule({ phone_number: '+19362072765' });
    const b = await schedule({ phone_number: '+19362072765' });
    const c = await schedule({ phone_number: '+19362072765' });
    await api(`${base}/${b.id}`, { method: 'DELETE' });

    const first = await api(`${base}?phone_number=19362072765&limit=2`);
    expect(first.status).toBe(200);
    expect(first.json.items.map((i: { id: string }) => i.id)).toEqual([a.id, b.id]);
    expect(first.json.next_cursor).toEqual(expect.any(String));
    const second = await api(
      `${base}?phone_number=19362072765&limit=2&cursor=${first.json.next_cursor}`,
    );
    expect(second.json.items.map((i: { id: string }) => i.id)).toEqual([c.id]);
    expect(second.json.next_cursor).toBeNull();

    const canceled = await api(`${base}?phone_number=%2B19362072765&status=canceled`);
    expect(canceled.json.items.map((i: { id: string }) => i.id)).toEqual([b.id]);
    const both = await api(`${base}?phone_number=19362072765&status=canceled,scheduled`);
    expect(both.json.items).toHaveLength(3);
  });

  it.each([
    ['an unknown status', 'status=sleeping'],
    ['an invalid number', 'phone_number=12'],
    ['a cursor it never gave', 'cursor=nope'],
    ['a limit of 0', 'limit=0'],
    ['a limit that is not a number', 'limit=ten'],
    ['an unknown parameter', 'sort=desc'],
  ])('answers 400 for %s', async (_name, query) => {
    const res = await api(`${base}?${query}`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
  });
});

describe('GET /api/scheduled-calls/:id', () => {
  it('answers the call with its status and attempts', async () => {
    const call = await schedule();
    const res = await api(`${base}/${call.id}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(call);
  });

  it('answers 404 for an unknown id and for an id that cannot be one', async () => {
    const unknown = await api(`${base}/00000000-0000-4000-8000-000000000000`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');
    const odd = await api(`${base}/${encodeURIComponent('<script>')}`);
    expect(odd.status).toBe(400);
  });

  it('follows a due call through to completed, with a timeline and an attempt', async () => {
    const call = await schedule({ scheduled_time: new Date().toISOString() });
    const done = await eventually(async () => {
      const res = await api(`${base}/${call.id}`);
      return res.json.status === 'completed' ? res.json : undefined;
    });
    // Polling may miss a short step (ringing, answered); the rest is always there, in order.
    const steps = done.timeline.map((s: { status: string }) => s.status);
    expect(steps.slice(0, 3)).toEqual(['scheduled', 'queued', 'initiated']);
    expect(steps.at(-1)).toBe('completed');
    expect(done.attempts).toEqual([
      expect.objectContaining({ attempt: 1, status: 'completed', ended_at: expect.any(String) }),
    ]);
    expect(done.provider_call_id).toEqual(expect.any(String));
  });
});

describe('PATCH /api/scheduled-calls/:id', () => {
  it('reschedules a call not yet placed', async () => {
    const call = await schedule();
    const at = new Date(Date.now() + 7_200_000).toISOString();
    const res = await api(`${base}/${call.id}`, { method: 'PATCH', body: { scheduled_time: at } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: call.id, status: 'scheduled', scheduled_time: at });
    expect(res.json.timeline.at(-1)).toMatchObject({ status: 'scheduled', reason: 'rescheduled' });
  });

  it('answers 409 once the call was placed', async () => {
    const call = await schedule({ scheduled_time: new Date().toISOString() });
    await eventually(async () => (await api(`${base}/${call.id}`)).json.status === 'completed');
    const res = await api(`${base}/${call.id}`, {
      method: 'PATCH',
      body: { scheduled_time: inAnHour() },
    });
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({
      code: 'conflict',
      details: { reason: 'already_placed', status: 'completed' },
    });
  });

  it.each([
    ['no body', undefined],
    ['a bad date', { scheduled_time: 'soon' }],
    ['an unknown field', { scheduled_time: new Date(Date.now() + 60_000).toISOString(), x: 1 }],
    ['a date in the past', { scheduled_time: '2001-01-01T00:00:00Z' }],
  ])('answers 400 for %s', async (_name, body) => {
    const call = await schedule();
    const res = await api(`${base}/${call.id}`, { method: 'PATCH', body });
    expect(res.status).toBe(400);
  });

  it('answers 404 for an unknown id', async () => {
    const res = await api(`${base}/nope`, {
      method: 'PATCH',
      body: { scheduled_time: inAnHour() },
    });
    expect(res.status).toBe(404);
  });
});

describe('DELETE /api/scheduled-calls/:id', () => {
  it('cancels a call not yet placed: 200 with status canceled', async () => {
    const call = await schedule();
    const res = await api(`${base}/${call.id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: call.id, status: 'canceled' });
    expect((await api(`${base}/${call.id}`)).json.status).toBe('canceled');
  });

  it('answers 409 once the call was placed, and 404 for an unknown id', async () => {
    const call = await schedule({ scheduled_time: new Date().toISOString() });
    await eventually(async () => (await api(`${base}/${call.id}`)).json.status === 'completed');
    const conflict = await api(`${base}/${call.id}`, { method: 'DELETE' });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error.details.reason).toBe('already_placed');
    expect((await api(`${base}/nope`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 400 for a body with fields', async () => {
    const call = await schedule();
    const res = await api(`${base}/${call.id}`, { method: 'DELETE', body: { force: true } });
    expect(res.status).toBe(400);
  });
});
