/**
 * The do-not-call list through HTTP: add, page, read, remove, the streamed CSV import, every
 * refusal, and its effect: a scheduled call and a campaign entry whose number is on the list end
 * `suppressed` with nothing sent to the provider.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, openEvents, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const post = (body: unknown) => api(`${app!.url}/api/suppressions`, { method: 'POST', body });
const importCsv = (raw: string, query = '', type = 'text/csv') =>
  api(`${app!.url}/api/suppressions/import${query}`, {
    method: 'POST',
    raw,
    headers: { 'content-type': type },
  });

describe('the do-not-call list', () => {
  it('adds a number (201, in E.164), reads it, pages it and removes it', async () => {
    app = await startTestApp();
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const added = await post({ phone_number: '(415) 555-2671', reason: 'opted out', until });
    expect(added.status).toBe(201);
    expect(added.json).toEqual({
      phone_number: '+14155552671',
      reason: 'opted out',
      created_at: expect.any(String),
      until,
    });
    expect((await post({ phone_number: '+442079460958' })).json.reason).toBe('do not call');
    const one = await api(`${app.url}/api/suppressions/%2B14155552671`);
    expect(one.json.reason).toBe('opted out');
    const first = await api(`${app.url}/api/suppressions?limit=1`);
    expect(first.json.items.map((e: { phone_number: string }) => e.phone_number)).toEqual([
      '+14155552671',
    ]);
    const second = await api(
      `${app.url}/api/suppressions?limit=1&cursor=${first.json.next_cursor}`,
    );
    expect(second.json).toMatchObject({
      items: [{ phone_number: '+442079460958' }],
      next_cursor: null,
    });
    const only = await api(`${app.url}/api/suppressions?phone_number=%2B14155552671`);
    expect(only.json).toEqual({ items: [added.json], next_cursor: null });
    const none = await api(`${app.url}/api/suppressions?phone_number=%2B14155550100`);
    expect(none.json).toEqual({ items: [], next_cursor: null });
    expect((await api(`${app.url}/api/suppressions?phone_number=12`)).status).toBe(400);
    const removed = await api(`${app.url}/api/suppressions/%2B14155552671`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect((await api(`${app.url}/api/suppressions/%2B14155552671`)).status).toBe(404);
    expect(
      (await api(`${app.url}/api/suppressions/%2B14155552671`, { method: 'DELETE' })).status,
    ).toBe(404);
  });

  it.each([
    ['a number that is not one', { phone_number: '12' }, 'phone_number'],
    ['an empty reason', { phone_number: '+14155552671', reason: ' ' }, 'reason'],
    [
      'an until in the past',
      { phone_number: '+14155552671', until: '2020-01-01T00:00:00Z' },
      'until',
    ],
    ['an until that is no date', { phone_number: '+14155552671', until: 'soon' }, 'until'],
    ['an unknown field', { phone: '+14155552671' }, 'did you mean'],
  ])('refuses %s with a 400 that says what, and stores nothing', async (_what, body, word) => {
    app = await startTestApp();
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json.error)).toContain(word);
    expect((await api(`${app.url}/api/suppressions`)).json.items).toEqual([]);
  });

  it('imports a CSV as it streams: header skipped, quoted reasons, bad lines reported by line', async () => {
    app = await startTestApp();
    const csv = [
      'phone,reason,until',
      '+14155552671,"opted out, by phone"',
      'not a number,x',
      '',
      '+442079460958',
      '+61291234567,,2020-01-01T00:00:00Z',
    ].join('\n');
    const res = await importCsv(csv, '?reason=regulator%20list');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      imported: 2,
      refused: 2,
      errors: [
        { line: 3, message: expect.stringContaining('phone') },
        { line: 6, message: expect.stringContaining('until') },
      ],
    });
    const items = (await api(`${app.url}/api/suppressions`)).json.items;
    expect(
      items.map((e: { phone_number: string; reason: string }) => [e.phone_number, e.reason]),
    ).toEqual([
      ['+14155552671', 'opted out, by phone'],
      ['+442079460958', 'regulator list'],
    ]);
    expect((await importCsv('+14155552671', '', 'text/plain')).status).toBe(415);
  });

  it('ends a scheduled call to a suppressed number at its time, with nothing placed', async () => {
    app = await startTestApp();
    await post({ phone_number: '+14155552671', reason: 'asked not to be called' });
    const scheduled = await api(`${app.url}/api/scheduled-calls`, {
      method: 'POST',
      body: { phone_number: '+14155552671', scheduled_time: new Date().toISOString() },
    });
    expect(scheduled.status).toBe(201);
    const ended = await eventually(async () => {
      const call = (await api(`${app!.url}/api/scheduled-calls/${scheduled.json.id}`)).json;
      return call.status === 'suppressed' ? call : undefined;
    });
    expect(ended.status).toBe('suppressed');
    expect(JSON.stringify(ended)).toContain('asked not to be called');
    const history = (await api(`${app.url}/api/calls/%2B14155552671`)).json;
    expect(history.items).toEqual([]);
  });

  it('ends the suppressed entries of a campaign and dials the others', async () => {
    app = await startTestApp();
    await post({ phone_number: '+19842068287' });
    const res = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'with-dnc', numbers: ['13018040009', '19842068287', '15512459377'] },
    });
    expect(res.status).toBe(201);
    const done = await eventually(async () => {
      const json = (await api(`${app!.url}/api/campaigns/with-dnc`)).json;
      return json.state === 'done' ? json : undefined;
    });
    expect(done.progress).toMatchObject({ suppressed: 1, dialed: 2 });
  });

  it('tells the live stream of each change: a number added or removed, an import; not a refusal', async () => {
    app = await startTestApp();
    const stream = await openEvents(`${app.url}/api/events`);
    const changes = () =>
      stream.events.filter((e) => e.event === 'suppression').map((e) => JSON.parse(e.data));
    expect((await post({ phone_number: '12' })).status).toBe(400);
    expect((await post({ phone_number: '(415) 555-2671' })).status).toBe(201);
    expect(
      (await api(`${app.url}/api/suppressions/%2B14155552671`, { method: 'DELETE' })).status,
    ).toBe(200);
    expect((await importCsv('nope\n')).json.imported).toBe(0);
    expect((await importCsv('+442079460958,list\n')).json.imported).toBe(1);
    await stream.until(() => changes().length >= 3);
    expect(changes()).toEqual([
      { phone_number: '+14155552671' },
      { phone_number: '+14155552671' },
      { phone_number: null },
    ]);
    stream.close();
  });
});
