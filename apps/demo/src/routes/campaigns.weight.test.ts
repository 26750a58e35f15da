/**
 * Campaigns given a `weight`: a share of the account's `CALLS_PER_SECOND`, by weight, with every
 * campaign given one (scheduler-core's named budgets), through both create routes, and every
 * refusal of it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const NUMBERS = ['13018040009', '19842068287', '15512459377'];

const post = (body: unknown) => api(`${app!.url}/api/campaigns`, { method: 'POST', body });
const upload = (query: string, text: string) =>
  api(`${app!.url}/api/campaigns?${query}`, {
    method: 'POST',
    raw: text,
    headers: { 'content-type': 'text/csv' },
  });

describe('POST /api/campaigns with a weight', () => {
  it("shares CALLS_PER_SECOND: each campaign shows its weight and the account's rate, and is dialed to the end", async () => {
    app = await startTestApp({ env: { CALLS_PER_SECOND: '20' } });
    const heavy = await post({ name: 'heavy', numbers: NUMBERS, weight: 3 });
    expect(heavy.status).toBe(201);
    expect(heavy.json).toMatchObject({ id: 'heavy', weight: 3, calls_per_second: 20 });
    const light = await upload('name=light&weight=1', NUMBERS.join('\n'));
    expect(light.status).toBe(201);
    expect(light.json).toMatchObject({ id: 'light', weight: 1, calls_per_second: 20 });
    const own = await post({ name: 'own', numbers: NUMBERS, calls_per_second: 5 });
    expect(own.json).toMatchObject({ weight: null, calls_per_second: 5 });
    for (const id of ['heavy', 'light']) {
      await eventually(async () => {
        const json = (await api(`${app!.url}/api/campaigns/${id}`)).json;
        return json.state === 'done' ? json : undefined;
      });
    }
    const listed = (await api(`${app.url}/api/campaigns`)).json.items;
    expect(
      Object.fromEntries(listed.map((c: { id: string; weight: unknown }) => [c.id, c.weight])),
    ).toEqual({ heavy: 3, light: 1, own: null });
  });

  it.each([
    ['weight and calls_per_second together', { weight: 2, calls_per_second: 5 }, /not both/],
    ['a weight of 0', { weight: 0 }, /weight/],
    ['a weight of 1.5', { weight: 1.5 }, /weight/],
    ['a weight above 100', { weight: 101 }, /weight/],
  ])('answers 400 invalid_request for %s, and creates nothing', async (_what, extra, message) => {
    app = await startTestApp({ env: { CALLS_PER_SECOND: '20' } });
    const res = await post({ name: 'refused', numbers: NUMBERS, ...extra });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(JSON.stringify(res.json.error)).toMatch(message);
    expect(res.json.error.details.issues[0].path).toContain('weight');
    expect((await api(`${app.url}/api/campaigns/refused`)).status).toBe(404);
  });

  it('refuses the same weight in a CSV upload as in JSON', async () => {
    app = await startTestApp({ env: { CALLS_PER_SECOND: '20' } });
    for (const query of ['weight=0', 'weight=2&calls_per_second=5', 'weight=x']) {
      const res = await upload(`name=refused&${query}`, NUMBERS.join('\n'));
      expect(res.status, query).toBe(400);
      expect(res.json.error.code, query).toBe('invalid_request');
    }
    expect((await api(`${app.url}/api/campaigns/refused`)).status).toBe(404);
  });

  it('answers 400 for a weight when the server sets no CALLS_PER_SECOND', async () => {
    app = await startTestApp();
    const res = await post({ name: 'refused', numbers: NUMBERS, weight: 2 });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/CALLS_PER_SECOND/);
  });
});
