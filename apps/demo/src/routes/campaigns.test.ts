/**
 * The campaign routes through HTTP against the simulators, on memory stores: create (JSON and a
 * CSV upload), list, one with its entries, pause, resume, stop, the results download, live
 * events, and every refusal.
 */
import { get, type IncomingMessage } from 'node:http';
import { createMemoryStore } from '@ringkit/scheduler-core/memory';
import { startCallApiSimulator } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, openEvents, startTestApp, type TestApp } from '../_test-utils.js';
import type { CampaignProgress } from '../serialize.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const NUMBERS = ['13018040009', '19842068287', '15512459377'];
const E164 = ['+13018040009', '+19842068287', '+15512459377'];

const campaign = async (id: string) => (await api(`${app!.url}/api/campaigns/${id}`)).json;

/** Waits until the campaign's state is `state`, and answers it. */
const until = (
  id: string,
  check: (json: { state: string; progress: CampaignProgress }) => boolean,
) =>
  eventually(async () => {
    const json = await campaign(id);
    return check(json) ? json : undefined;
  });

function csv(url: string, body: string, headers: Record<string, string> = {}) {
  return api(url, {
    method: 'POST',
    raw: body,
    headers: { 'content-type': 'text/csv', ...headers },
  });
}

describe('POST /api/campaigns (JSON)', () => {
  it('creates a campaign, dials every number in order, and shows its progress to the end', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'spring-promo', numbers: NUMBERS, concurrency: 2, max_attempts: 2 },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/api/campaigns/spring-promo');
    expect(res.json).toMatchObject({
      id: 'spring-promo',
      state: 'running',
      concurrency: 2,
      total: 3,
      max_attempts: 2,
      calls_per_second: null,
      call_timeout_ms: 3_600_000,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const done = await until('spring-promo', (json) => json.state === 'done');
    expect(done.progress).toEqual({
      dialed: 3,
      live: 0,
      completed: 3,
      missed: 0,
      unknown: 0,
      canceled: 0,
      suppressed: 0,
    });
    expect(done.entries.map((e: { phone: string; status: string }) => [e.phone, e.status])).toEqual(
      E164.map((phone) => [phone, 'completed']),
    );
    expect(app.webhook.calls().map((c) => c.phone)).toEqual(E164);
    // Its calls are in the history of the numbers called.
    await eventually(async () => {
      const { json } = await api(`${app!.url}/api/calls/19842068287`);
      return json.items.length === 1 && json.items[0].type === 'Completed Inbound';
    });
  });

  it('names a campaign created without a name, and takes numbers with the form { phone }', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { numbers: [{ phone: '+1 301 804 0009' }, '19842068287'] },
    });
    expect(res.status).toBe(201);
    expect(res.json.id).toMatch(/^campaign-\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(res.json.concurrency).toBe(3);
    const { json } = await api(`${app.url}/api/campaigns/${res.json.id}`);
    expect(json.entries.map((e: { phone: string }) => e.phone)).toEqual([
      '+13018040009',
      '+19842068287',
    ]);
  });

  it('answers 400 listing every invalid number by row, and creates nothing', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'bad', numbers: ['13018040009', '42', '19842068287', { phone: 'call me' }] },
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({
      code: 'invalid_numbers',
      message: '2 of 4 numbers are not valid phone numbers: row 2 ("42"), row 4 ("call me")',
      details: {
        invalid_numbers: [
          { row: 2, index: 1, field: 'phone', phone: '42', message: 'not a valid phone number' },
          {
            row: 4,
            index: 3,
            field: 'phone',
            phone: 'call me',
            message: 'not a valid phone number',
          },
        ],
      },
    });
    expect((await api(`${app.url}/api/campaigns`)).json.items).toEqual([]);
    expect((await api(`${app.url}/api/campaigns/bad`)).status).toBe(404);
  });

  it('says which field was meant for an unknown one, in the body and in a number', async () => {
    app = await startTestApp();
    const list = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'guess', phones: NUMBERS },
    });
    expect(list.status).toBe(400);
    expect(list.json.error.message).toContain('unknown field "phones": did you mean "numbers"?');
    const entry = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'guess', numbers: [{ phone_number: '+14155552671' }] },
    });
    expect(entry.status).toBe(400);
    expect(entry.json.error.message).toContain(
      'unknown field "phone_number": did you mean "phone"?',
    );
    expect((await api(`${app.url}/api/campaigns/guess`)).status).toBe(404);
  });

  it.each([
    ['no numbers', { numbers: [] }],
    ['an unknown field', { numbers: NUMBERS, priority: 'high' }],
    ['a concurrency of 0', { numbers: NUMBERS, concurrency: 0 }],
    ['a name with a space', { name: 'spring promo', numbers: NUMBERS }],
    ['calls per second of 0', { numbers: NUMBERS, calls_per_second: 0 }],
    ['a number that is not a string', { numbers: [13018040009] }],
  ])('answers 400 invalid_request for %s', async (_what, body) => {
    app = await startTestApp();
    const res = await api(`${app.url}/api/campaigns`, { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.details.issues.length).toBeGreaterThan(0);
  });

  it('answers 400 unsupported_call_option for what a call says when the provider cannot say it', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { numbers: [{ phone: '13018040009', say: 'Your order is ready.' }] },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('unsupported_call_option');
    expect(res.json.error.message).toMatch(/^Row 1 of numbers has something to say/);
    expect(res.json.error.details.rows).toEqual([{ row: 1, index: 0 }]);
    expect(app.webhook.calls()).toEqual([]);
  });

  it("answers 409 when the name is taken, and for the configured list's name", async () => {
    app = await startTestApp({ stepMs: 200 });
    const body = { name: 'twice', numbers: NUMBERS };
    expect((await api(`${app.url}/api/campaigns`, { method: 'POST', body })).status).toBe(201);
    const again = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'twice', numbers: ['14155552671'] },
    });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'campaign_exists' });
    const reserved = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'default', numbers: NUMBERS },
    });
    expect(reserved.status).toBe(409);
    expect(reserved.json.error.message).toContain('POST /api/dialer/start');
    expect((await api(`${app.url}/api/dialer`)).json.state).toBe('idle');
  });

  it("takes a list larger than the other routes' 16 KiB limit, and answers 413 past 1 MiB", async () => {
    app = await startTestApp({ stepMs: 1000 });
    const many = Array.from({ length: 1500 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`);
    const body = JSON.stringify({ name: 'large', numbers: many, concurrency: 1 });
    expect(body.length).toBeGreaterThan(16 * 1024);
    const res = await api(`${app.url}/api/campaigns`, { method: 'POST', raw: body });
    expect(res.status).toBe(201);
    expect(res.json.total).toBe(1500);
    const huge = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      raw: JSON.stringify({ numbers: NUMBERS, pad: 'x'.repeat(1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
  });
});

describe('POST /api/campaigns (CSV upload)', () => {
  it('creates a campaign from phone[,say] rows with a header, quoted fields and CRLF', async () => {
    app = await startTestApp();
    const body = 'phone\r\n"+1 (301) 804-0009"\r\n19842068287\r\n\r\n 15512459377 \r\n';
    const res = await csv(`${app.url}/api/campaigns?name=from-csv&concurrency=2`, body);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ id: 'from-csv', concurrency: 2, total: 3 });
    const done = await until('from-csv', (json) => json.state === 'done');
    expect(done.entries.map((e: { phone: string }) => e.phone)).toEqual(E164);
  });

  it('reads rows without a header too', async () => {
    app = await startTestApp();
    const res = await csv(`${app.url}/api/campaigns`, '13018040009\n19842068287\n');
    expect(res.status).toBe(201);
    expect(res.json.total).toBe(2);
  });

  it('answers 400 listing every invalid number by the line of the file', async () => {
    app = await startTestApp();
    const body = 'phone\n13018040009\n"not, a number"\n19842068287\n12\n';
    const res = await csv(`${app.url}/api/campaigns?name=lines`, body);
    expect(res.status).toBe(400);
    expect(res.json.error.details.invalid_numbers).toEqual([
      {
        row: 3,
        line: 3,
        field: 'phone',
        phone: 'not, a number',
        message: 'not a valid phone number',
      },
      { row: 5, line: 5, field: 'phone', phone: '12', message: 'not a valid phone number' },
    ]);
    expect((await api(`${app.url}/api/campaigns/lines`)).status).toBe(404);
  });

  it.each([
    ['an unclosed quote', '13018040009\n"19842068287\n', /line 2: a quoted field is not closed/],
    [
      'a spreadsheet formula with quotes',
      '13018040009\r=HYPERLINK("http://x","y")\n',
      /line 2: a quote inside a field that does not start with one/,
    ],
    ['too many columns', '13018040009,hello,extra\n', /line 1: 3 columns/],
    ['an unknown column', 'phone,email\n13018040009,a@b.example\n', /phone and say/],
    ['no number', 'phone\n\n', /lists no number/],
  ])('answers 400 invalid_csv for %s', async (_what, body, message) => {
    app = await startTestApp();
    const res = await csv(`${app.url}/api/campaigns`, body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_csv');
    expect(res.json.error.message).toMatch(message);
  });

  it('answers 400 for an unknown or malformed query parameter', async () => {
    app = await startTestApp();
    expect((await csv(`${app.url}/api/campaigns?color=red`, '13018040009')).status).toBe(400);
    expect((await csv(`${app.url}/api/campaigns?concurrency=many`, '13018040009')).status).toBe(
      400,
    );
    expect((await csv(`${app.url}/api/campaigns?concurrency=0`, '13018040009')).status).toBe(400);
  });

  it('says each refused query parameter in plain words, on its field, with a name that would do', async () => {
    app = await startTestApp();
    const res = await csv(
      `${app.url}/api/campaigns?name=Newcomer%20test&concurrency=0`,
      '13018040009',
    );
    expect(res.status).toBe(400);
    expect(res.json.error.details.issues).toEqual([
      {
        in: 'query',
        path: ['name'],
        code: 'invalid_format',
        message:
          'must be letters, digits, _ . and - only (no spaces), starting with a letter or a ' +
          'digit, at most 100, e.g. "Newcomer-test"',
      },
      { in: 'query', path: ['concurrency'], code: 'too_small', message: 'must be at least 1' },
    ]);
    expect(res.json.error.message).not.toMatch(/Too small|expected number/);
    expect((await api(`${app.url}/api/campaigns`)).json.items).toEqual([]);
  });

  it('answers 400 for a list of more numbers than a campaign takes, saying how many', async () => {
    app = await startTestApp();
    const many = Array.from({ length: 10_001 }, (_, i) => `+1415555${String(i).padStart(4, '0')}`);
    const res = await csv(`${app.url}/api/campaigns?name=many`, many.join('\n'));
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({
      code: 'invalid_csv',
      message: 'The list has 10,001 numbers; a campaign takes at most 10,000',
    });
  });

  it('reads a first line that is a number as a number, never as a header', async () => {
    app = await startTestApp();
    const post = (body: string) => csv(`${app!.url}/api/campaigns?name=first`, body);
    // Only the first line may be a header: a later "phone" is a number to check.
    expect((await post('13018040009\nphone\n')).json.error.details.invalid_numbers).toEqual([
      expect.objectContaining({ line: 2, phone: 'phone' }),
    ]);
    expect((await post('42\n13018040009\n')).json.error.details.invalid_numbers).toEqual([
      expect.objectContaining({ line: 1, phone: '42' }),
    ]);
    const ok = await post('(301) 804-0009\n19842068287\n');
    expect(ok.status).toBe(201);
    expect(ok.json.total).toBe(2);
  });

  it('names the lines that have something to say when the provider cannot speak, and no route', async () => {
    app = await startTestApp();
    const one = await csv(
      `${app.url}/api/campaigns?name=speaks`,
      '13018040009\n19842068287,"Hello, Ada"\n15512459377\n',
    );
    expect(one.status).toBe(400);
    expect(one.json.error).toEqual({
      code: 'unsupported_call_option',
      message:
        "Line 2 has something to say (phone,say), but this server's call provider " +
        'cannot speak: list the numbers alone',
      details: {
        provider: 'num-dialer',
        option: 'message',
        rows: [{ row: 2, line: 2 }],
      },
    });
    const many = await csv(
      `${app.url}/api/campaigns?name=speaks`,
      'phone,say\n' + NUMBERS.map((n) => `${n},Hi`).join('\n') + '\n14155552671,Hi\n',
    );
    expect(many.json.error.message).toMatch(/^Lines 2, 3, 4 and 1 more have something to say/);
    expect(many.json.error.message).not.toContain('/api/');
    expect((await api(`${app.url}/api/campaigns/speaks`)).status).toBe(404);
  });

  it('answers 415 for another charset, for text/plain and for a form', async () => {
    app = await startTestApp();
    const url = `${app.url}/api/campaigns`;
    const latin = await csv(url, '13018040009', { 'content-type': 'text/csv; charset=latin1' });
    expect(latin.status).toBe(415);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await csv(url, '13018040009', { 'content-type': type });
      expect(res.status).toBe(415);
      expect(res.json.error.message).toBe(
        'POST /api/campaigns takes application/json or text/csv only',
      );
    }
    expect((await api(`${app.url}/api/campaigns`)).json.items).toEqual([]);
  });

  it('needs a preflight from another page, which a foreign origin does not pass (CSRF)', async () => {
    app = await startTestApp();
    const url = `${app.url}/api/campaigns`;
    const evil = 'http://evil.example';
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin: evil,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    // Sent anyway (a client that skips the preflight): refused too.
    const sent = await csv(url, '13018040009', { origin: evil });
    expect(sent.status).toBe(403);
    expect((await api(url)).json.items).toEqual([]);
    // The app's own page passes its preflight.
    const own = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin: app.url,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(own.status).toBe(204);
    expect(own.headers.get('access-control-allow-headers')).toContain('Content-Type');
  });
});

describe('GET /api/campaigns', () => {
  it('lists campaigns newest first, a page at a time', async () => {
    app = await startTestApp();
    for (const name of ['first', 'second', 'third']) {
      const res = await api(`${app.url}/api/campaigns`, {
        method: 'POST',
        body: { name, numbers: NUMBERS.slice(0, 1) },
      });
      expect(res.status).toBe(201);
    }
    const page1 = await api(`${app.url}/api/campaigns?limit=2`);
    expect(page1.status).toBe(200);
    expect(page1.json.items.map((c: { id: string }) => c.id)).toEqual(['third', 'second']);
    expect(page1.json.items[0]).toMatchObject({ total: 1, progress: expect.any(Object) });
    expect(page1.json.next_cursor).toEqual(expect.any(String));
    const page2 = await api(`${app.url}/api/campaigns?limit=2&cursor=${page1.json.next_cursor}`);
    expect(page2.json.items.map((c: { id: string }) => c.id)).toEqual(['first']);
    expect(page2.json.next_cursor).toBeNull();
  });

  it.each(['limit=0', 'limit=lots', 'cursor=nonsense', 'state=done'])(
    'answers 400 for %s',
    async (query) => {
      app = await startTestApp();
      expect((await api(`${app.url}/api/campaigns?${query}`)).status).toBe(400);
    },
  );
});

describe('GET /api/campaigns/:id', () => {
  it('pages the entries with cursor and limit', async () => {
    app = await startTestApp();
    await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'paged', numbers: NUMBERS },
    });
    const first = await api(`${app.url}/api/campaigns/paged?limit=2`);
    expect(first.json.entries.map((e: { index: number }) => e.index)).toEqual([0, 1]);
    expect(first.json.next_cursor).toBe('2');
    const rest = await api(`${app.url}/api/campaigns/paged?limit=2&cursor=2`);
    expect(rest.json.entries.map((e: { index: number }) => e.index)).toEqual([2]);
    expect(rest.json.next_cursor).toBeNull();
    expect(rest.json.entries[0]).toEqual({
      index: 2,
      phone: '+15512459377',
      status: expect.any(String),
      call_id: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
      attempts: expect.any(Number),
      started_at: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
      ended_at: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
      answered_at: expect.toSatisfy((v: unknown) => v === null || typeof v === 'string'),
      answered_by: null,
      in_doubt: false,
      reason: null,
      attempts_by_outcome: expect.any(Object),
    });
  });

  it('answers 404 for an unknown campaign and 400 for a malformed id or query', async () => {
    app = await startTestApp();
    const missing = await api(`${app.url}/api/campaigns/nobody`);
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('not_found');
    expect((await api(`${app.url}/api/campaigns/${encodeURIComponent('no body!')}`)).status).toBe(
      400,
    );
    expect((await api(`${app.url}/api/campaigns/nobody?cursor=-1`)).status).toBe(400);
    expect((await api(`${app.url}/api/campaigns/nobody/results.csv`)).status).toBe(404);
  });

  it('answers 405 for another method', async () => {
    app = await startTestApp();
    const res = await api(`${app.url}/api/campaigns/x`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('POST /api/campaigns/:id/{pause,resume,stop}', () => {
  it('pauses: the calls in flight end and no other is placed until resume', async () => {
    app = await startTestApp({ stepMs: [150, 250] });
    await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'held', numbers: NUMBERS, concurrency: 1 },
    });
    await until('held', (json) => json.progress.live === 1);
    const paused = await api(`${app.url}/api/campaigns/held/pause`, { method: 'POST' });
    expect(paused.status).toBe(200);
    expect(paused.json.state).toBe('paused');
    // The call in flight ends (one claimed just before the pause may still be placed); a
    // running campaign would dial the next number at that very moment, so none is live then.
    const after = await until('held', (json) => json.progress.live === 0);
    expect(after.state).toBe('paused');
    expect(after.progress.dialed).toBeLessThan(3);
    expect(app.webhook.calls()).toHaveLength(after.progress.dialed);

    const resumed = await api(`${app.url}/api/campaigns/held/resume`, { method: 'POST', body: {} });
    expect(resumed.status).toBe(200);
    expect(resumed.json.state).toBe('running');
    const done = await until('held', (json) => json.state === 'done');
    expect(done.progress.completed).toBe(3);
    expect(app.webhook.calls().map((c) => c.phone)).toEqual(E164);
  });

  it('stops: numbers not dialed end canceled, and resume is refused with 409', async () => {
    app = await startTestApp({ stepMs: [150, 250] });
    await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'halted', numbers: NUMBERS, concurrency: 1 },
    });
    await until('halted', (json) => json.progress.live === 1);
    const stopped = await api(`${app.url}/api/campaigns/halted/stop`, { method: 'POST' });
    expect(stopped.status).toBe(200);
    expect(stopped.json.state).toBe('stopped');
    const ended = await until('halted', (json) => json.progress.live === 0);
    expect(ended.state).toBe('stopped');
    expect(ended.progress).toMatchObject({ dialed: 1, completed: 1, canceled: 2 });
    expect(app.webhook.calls()).toHaveLength(1);

    const resumed = await api(`${app.url}/api/campaigns/halted/resume`, { method: 'POST' });
    expect(resumed.status).toBe(409);
    expect(resumed.json.error).toMatchObject({
      code: 'campaign_stopped',
      details: { reason: 'campaign_stopped' },
    });
  });

  it('answers 404 for an unknown campaign and 400 for a body with fields', async () => {
    app = await startTestApp();
    expect((await api(`${app.url}/api/campaigns/nobody/pause`, { method: 'POST' })).status).toBe(
      404,
    );
    await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'c', numbers: NUMBERS },
    });
    const res = await api(`${app.url}/api/campaigns/c/stop`, {
      method: 'POST',
      body: { now: true },
    });
    expect(res.status).toBe(400);
    expect((await campaign('c')).state).not.toBe('stopped');
  });
});

describe('GET /api/campaigns/:id/results.csv', () => {
  it('downloads one line per entry with its outcome', async () => {
    app = await startTestApp();
    await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'report', numbers: NUMBERS.slice(0, 2) },
    });
    await until('report', (json) => json.state === 'done');
    const res = await api(`${app.url}/api/campaigns/report/results.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="?report-results\.csv"?$/,
    );
    const lines = res.text.split('\r\n');
    expect(lines[0]).toBe(
      'index,phone,status,attempts,call_id,started_at,ended_at,answered_by,error',
    );
    expect(lines).toHaveLength(4); // two entries and the final line break
    expect(lines[3]).toBe('');
    for (const [i, line] of lines.slice(1, 3).entries()) {
      const [index, phone, status, attempts, callId, startedAt, endedAt, by, error] =
        line.split(',');
      expect([index, phone, status, attempts, by, error]).toEqual([
        String(i),
        E164[i],
        'completed',
        '1',
        '',
        '',
      ]);
      expect(callId).toMatch(/^\d+$/);
      expect(Date.parse(startedAt!)).toBeLessThanOrEqual(Date.parse(endedAt!));
    }
  });
});

describe('GET /api/campaigns/:id/results.csv after a stop', () => {
  it('keeps the outcome, call id and attempts of a call that rang, also read back after a restart', async () => {
    // Every call rings, then ends busy; a number may be tried three times.
    const polling = await startCallApiSimulator({ flavour: 'polling', port: 0, seed: 1 });
    const webhook = await startCallApiSimulator({
      flavour: 'webhook',
      port: 0,
      stepMs: [150, 250],
      seed: 2,
      outcomes: { busy: 1 },
    });
    const campaigns = createMemoryStore();
    // The store outlives the first server, as a file or a database would.
    const kept = { ...campaigns, close: async () => {} };
    try {
      app = await startTestApp({ simulators: { polling, webhook }, store: kept });
      await api(`${app.url}/api/campaigns`, {
        method: 'POST',
        body: { name: 'busy-stop', numbers: NUMBERS, concurrency: 1, max_attempts: 3 },
      });
      await until('busy-stop', (json) => json.progress.live === 1);
      expect(
        (await api(`${app.url}/api/campaigns/busy-stop/stop`, { method: 'POST' })).status,
      ).toBe(200);
      // The call in flight ends busy after the stop: it is not tried again.
      const ended = await until(
        'busy-stop',
        (json) => json.progress.live === 0 && json.progress.missed === 1,
      );
      expect(ended.progress).toMatchObject({ dialed: 1, missed: 1, canceled: 2 });
      const results = await api(`${app.url}/api/campaigns/busy-stop/results.csv`);
      const rows = results.text
        .split('\r\n')
        .slice(1, -1)
        .map((line) => line.split(','));
      const callId = webhook.calls()[0]!.id;
      expect(
        rows.map(([index, phone, status, attempts, id]) => [index, phone, status, attempts, id]),
      ).toEqual([
        ['0', E164[0], 'busy', '1', callId],
        ['1', E164[1], 'canceled', '0', ''],
        ['2', E164[2], 'canceled', '0', ''],
      ]);
      // Each ended; only the number dialed has a start.
      expect(rows.map((row) => [row[5] !== '', row[6] !== ''])).toEqual([
        [true, true],
        [false, true],
        [false, true],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(webhook.calls()).toHaveLength(1);

      // Another server on the same store reads the same results.
      await app.close();
      app = await startTestApp({ simulators: { polling, webhook }, store: kept });
      const again = await api(`${app.url}/api/campaigns/busy-stop/results.csv`);
      expect(again.text).toBe(results.text);
      expect(webhook.calls()).toHaveLength(1);
    } finally {
      await app?.close();
      app = undefined;
      await Promise.all([polling.close(), webhook.close(), campaigns.close()]);
    }
  });
});

describe('GET /api/campaigns/:id/results.csv, streamed', () => {
  it('sends the rows as it reads them, to a client that reads slowly too, and a JSON 404 for a missing campaign', async () => {
    app = await startTestApp();
    const numbers = Array.from({ length: 1200 }, (_, i) => `1301804${String(i).padStart(4, '0')}`);
    await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'large', numbers, concurrency: 1 },
    });
    await api(`${app.url}/api/campaigns/large/stop`, { method: 'POST' });
    const ended = ({ progress: p }: { progress: CampaignProgress }) =>
      p.live === 0 && p.completed + p.missed + p.unknown + p.canceled === numbers.length;
    await until('large', ended);

    // A client that reads nothing for a while, then everything.
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      get(`${app!.url}/api/campaigns/large/results.csv`, resolve).on('error', reject);
    });
    res.pause();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(
      'index,phone,status,attempts,call_id,started_at,ended_at,answered_by,error',
    );
    expect(lines).toHaveLength(numbers.length + 2);
    expect(lines.slice(1, -1).map((line) => line.split(',').slice(0, 2))).toEqual(
      numbers.map((n, i) => [String(i), `+${n}`]),
    );
    expect(lines.slice(1, -1).filter((line) => line.split(',')[2] === 'canceled').length).toBe(
      numbers.length - (await campaign('large')).progress.dialed,
    );
    expect((await api(`${app.url}/api/campaigns/large/results.csv`)).text).toBe(text);

    const missing = await api(`${app.url}/api/campaigns/nobody/results.csv`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    expect(missing.headers.get('content-disposition')).toBeNull();
    expect(missing.json.error.code).toBe('not_found');
  });
});

describe('campaign events', () => {
  it("publishes each campaign's progress live, several campaigns at once", async () => {
    app = await startTestApp({ stepMs: [100, 200] });
    const stream = await openEvents(`${app.url}/api/events`);
    for (const name of ['left', 'right']) {
      await api(`${app.url}/api/campaigns`, {
        method: 'POST',
        body: { name, numbers: NUMBERS, concurrency: 1 },
      });
    }
    const views = () =>
      stream.events.filter((e) => e.event === 'campaign').map((e) => JSON.parse(e.data));
    await stream.until(() =>
      ['left', 'right'].every((id) => views().some((v) => v.id === id && v.state === 'done')),
    );
    // Both were dialing at once: at some event, each one's latest view had a call live.
    const latest = new Map<string, number>();
    let together = false;
    for (const view of views()) {
      latest.set(view.id, view.progress.live);
      if (latest.get('left') === 1 && latest.get('right') === 1) together = true;
    }
    expect(together).toBe(true);
    const last = views()
      .filter((v) => v.id === 'left')
      .at(-1);
    expect(last.progress).toEqual({
      dialed: 3,
      live: 0,
      completed: 3,
      missed: 0,
      unknown: 0,
      canceled: 0,
      suppressed: 0,
    });
    // CampaignProgress only grows.
    const completed = views()
      .filter((v) => v.id === 'left')
      .map((v) => v.progress.completed);
    expect(completed).toEqual([...completed].sort((a, b) => a - b));
    stream.close();
  });
});
