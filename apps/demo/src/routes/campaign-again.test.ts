/**
 * `POST /api/campaigns/:id/again`: a new campaign of the numbers that ended missed (or with their
 * outcome unknown), under the first one's options, and every refusal.
 */
import { startCallApiSimulator } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

const NUMBERS = ['+13018040009', '+19842068287', '+15512459377'];

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An app whose every campaign call rings, then ends busy. */
async function busyApp() {
  const polling = await startCallApiSimulator({ flavour: 'polling', port: 0, seed: 1 });
  const webhook = await startCallApiSimulator({
    flavour: 'webhook',
    port: 0,
    stepMs: [5, 20],
    seed: 2,
    outcomes: { busy: 1 },
  });
  return startTestApp({ simulators: { polling, webhook } });
}

const done = (url: string, name: string) =>
  eventually(async () => {
    const { json } = await api(`${url}/api/campaigns/${name}`);
    return json.state === 'done' ? json : undefined;
  });

describe('POST /api/campaigns/:id/again', () => {
  it('creates a campaign of the missed numbers, named after the first, under its options', async () => {
    app = await busyApp();
    const { url } = app;
    const created = await api(`${url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'spring', numbers: NUMBERS, concurrency: 2, calls_per_second: 5 },
    });
    expect(created.status).toBe(201);
    expect((await done(url, 'spring')).progress).toMatchObject({ missed: 3, unknown: 0 });

    // With no body at all, as the page sends it.
    const again = await api(`${url}/api/campaigns/spring/again`, { method: 'POST' });
    expect(again.status).toBe(201);
    expect(again.headers.get('location')).toBe('/api/campaigns/spring-again');
    expect(again.json).toMatchObject({
      id: 'spring-again',
      total: 3,
      concurrency: 2,
      calls_per_second: 5,
    });
    const second = await done(url, 'spring-again');
    expect(second.entries.map((entry: { phone: string }) => entry.phone)).toEqual(NUMBERS);
    // The next one without a name takes the next free one; a name given is used.
    const third = await api(`${url}/api/campaigns/spring/again`, { method: 'POST', body: {} });
    expect(third.json.id).toBe('spring-again-2');
    const named = await api(`${url}/api/campaigns/spring/again`, {
      method: 'POST',
      body: { name: 'spring-retry', outcomes: ['missed'] },
    });
    expect(named.status).toBe(201);
    expect(named.json).toMatchObject({ id: 'spring-retry', total: 3 });
    // The first campaign is as it was reported.
    expect((await api(`${url}/api/campaigns/spring`)).json).toMatchObject({
      state: 'done',
      progress: { missed: 3 },
    });
  });

  it('refuses with a JSON body that says why, and creates nothing', async () => {
    app = await busyApp();
    const { url } = app;
    await api(`${url}/api/campaigns`, {
      method: 'POST',
      body: { name: 'spring', numbers: NUMBERS },
    });
    await done(url, 'spring');
    const refusals: [unknown, number, string][] = [
      [{ outcomes: ['unknown'] }, 409, 'nothing_to_dial'],
      [{ name: 'spring' }, 409, 'campaign_exists'],
      [{ name: 'default' }, 409, 'campaign_exists'],
      [{ name: 'two words' }, 400, 'invalid_request'],
      [{ outcomes: [] }, 400, 'invalid_request'],
      [{ outcomes: ['answered'] }, 400, 'invalid_request'],
      [{ concurrency: 2 }, 400, 'invalid_request'],
    ];
    for (const [body, status, code] of refusals) {
      const res = await api(`${url}/api/campaigns/spring/again`, { method: 'POST', body });
      expect([res.status, res.json.error.code], JSON.stringify(body)).toEqual([status, code]);
      expect(res.json.error.message).toEqual(expect.any(String));
    }
    const nothing = await api(`${url}/api/campaigns/spring/again`, {
      method: 'POST',
      body: { outcomes: ['unknown'] },
    });
    expect(nothing.json.error.message).toContain('ended with its outcome unknown');
    const unknown = await api(`${url}/api/campaigns/autumn/again`, { method: 'POST', body: {} });
    expect(unknown.status).toBe(404);
    const list = await api(`${url}/api/campaigns`);
    expect(list.json.items.map((c: { id: string }) => c.id)).toEqual(['spring']);
  });
});
