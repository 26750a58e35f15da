import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

const NUMBERS = ['+13018040009', '+19842068287', '+15512459377', '+14155552671', '+12025550123'];

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Creates a campaign of NUMBERS and waits until it is done. */
async function finished(url: string, name: string) {
  const created = await api(`${url}/api/campaigns`, {
    method: 'POST',
    body: { name, numbers: NUMBERS, concurrency: 5 },
  });
  expect(created.status).toBe(201);
  await eventually(async () => (await api(`${url}/api/campaigns/${name}`)).json.state === 'done');
}

describe('GET /api/campaigns/:id/entries', () => {
  it("pages through a campaign's entries in list order, and filters them by status", async () => {
    app = await startTestApp();
    const url = app.url;
    await finished(url, 'spring');
    const first = await api(`${url}/api/campaigns/spring/entries?limit=2`);
    expect(first.status).toBe(200);
    expect(
      first.json.items.map((e: { index: number; phone: string }) => [e.index, e.phone]),
    ).toEqual([
      [0, NUMBERS[0]],
      [1, NUMBERS[1]],
    ]);
    expect(first.json.next_cursor).toBe('1');
    const pages = [first.json.items];
    let cursor: string | null = first.json.next_cursor;
    while (cursor !== null) {
      const page = await api(`${url}/api/campaigns/spring/entries?limit=2&cursor=${cursor}`);
      pages.push(page.json.items);
      cursor = page.json.next_cursor;
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    const all = (await api(`${url}/api/campaigns/spring`)).json.entries;
    expect(pages.flat()).toEqual(all);

    const completed = await api(`${url}/api/campaigns/spring/entries?status=completed`);
    expect(completed.json.items).toEqual(
      all.filter((e: { status: string }) => e.status === 'completed'),
    );
    const idle = await api(`${url}/api/campaigns/spring/entries?status=idle`);
    expect(idle.json).toEqual({ items: [], next_cursor: null });
  });

  it('filters the entries ended on the do-not-call list by status=suppressed', async () => {
    app = await startTestApp();
    const url = app.url;
    const listed = await api(`${url}/api/suppressions`, {
      method: 'POST',
      body: { phone_number: NUMBERS[1] },
    });
    expect(listed.status).toBe(201);
    await finished(url, 'with-dnc');
    const suppressed = await api(`${url}/api/campaigns/with-dnc/entries?status=suppressed`);
    expect(suppressed.status).toBe(200);
    expect(
      suppressed.json.items.map((e: { index: number; status: string }) => [e.index, e.status]),
    ).toEqual([[1, 'suppressed']]);
    const completed = await api(`${url}/api/campaigns/with-dnc/entries?status=completed`);
    expect(completed.json.items.map((e: { phone: string }) => e.phone)).not.toContain(NUMBERS[1]);
  });

  it('refuses a bad query with 400 and changes nothing; an unknown campaign is 404', async () => {
    app = await startTestApp();
    const url = app.url;
    await finished(url, 'spring');
    for (const query of ['status=ringin', 'cursor=abc', 'limit=0', 'limit=501', 'page=2']) {
      const { status, json } = await api(`${url}/api/campaigns/spring/entries?${query}`);
      expect(status, query).toBe(400);
      expect(json.error.code).toBe('invalid_request');
    }
    expect((await api(`${url}/api/campaigns/nobody/entries`)).status).toBe(404);
  });
});

describe('POST /api/campaigns/:id/archive', () => {
  it('archives a campaign that is done: out of the list unless ?archived=1', async () => {
    app = await startTestApp({ stepMs: [60_000, 60_000] });
    const url = app.url;
    const running = await api(`${url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'running', numbers: NUMBERS.slice(0, 2), concurrency: 1 },
    });
    expect(running.status).toBe(201);
    const refused = await api(`${url}/api/campaigns/running/archive`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe('campaign_not_done');
    expect((await api(`${url}/api/campaigns/running`)).json.archived_at).toBeNull();
    expect((await api(`${url}/api/campaigns/nobody/archive`, { method: 'POST' })).status).toBe(404);
  });

  it('hides an archived campaign from the list, and lists it with ?archived=1', async () => {
    app = await startTestApp();
    const url = app.url;
    await finished(url, 'old');
    await finished(url, 'new');
    const archived = await api(`${url}/api/campaigns/old/archive`, { method: 'POST' });
    expect(archived.status).toBe(200);
    expect(archived.json).toMatchObject({ id: 'old', state: 'done' });
    expect(Date.parse(archived.json.archived_at)).not.toBeNaN();
    const ids = async (query: string) =>
      (await api(`${url}/api/campaigns${query}`)).json.items.map((c: { id: string }) => c.id);
    expect(await ids('')).toEqual(['new']);
    expect(await ids('?archived=1')).toEqual(['new', 'old']);
    expect((await api(`${url}/api/campaigns?archived=yes`)).status).toBe(400);
    // Still readable by its name, entries and all.
    expect((await api(`${url}/api/campaigns/old`)).json.entries).toHaveLength(NUMBERS.length);
  });
});
