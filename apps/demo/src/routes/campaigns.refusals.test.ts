/**
 * A campaign's settings refused in the same words whichever way the campaign is created: the
 * JSON route takes them in its body, the CSV route in its query, and a refusal names the field
 * alone (`name: …`, not `body.name: …` or `query.name: …`); its issues say where it was given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { CALLS_PER_SECOND: '20' } });
});
afterAll(async () => {
  await app.close();
});

const NUMBERS = ['13018040009', '19842068287'];

describe('POST /api/campaigns refusals, JSON and CSV', () => {
  it.each([
    ['a name with a space', { name: 'two words' }],
    ['a name too long', { name: 'n'.repeat(200) }],
    ['a concurrency of 0', { name: 'c0', concurrency: 0 }],
    ['a weight of 0', { name: 'w0', weight: 0 }],
    ['a weight and calls_per_second together', { name: 'wc', weight: 2, calls_per_second: 5 }],
    ['max_attempts of 0', { name: 'm0', max_attempts: 0 }],
  ])('refuses %s in the same words', async (_what, settings) => {
    const json = await api(`${app.url}/api/campaigns`, {
      method: 'POST',
      body: { numbers: NUMBERS, ...settings },
    });
    const query = new URLSearchParams(
      Object.entries(settings).map(([key, value]) => [key, String(value)]),
    );
    const csv = await api(`${app.url}/api/campaigns?${query.toString()}`, {
      method: 'POST',
      raw: NUMBERS.join('\n'),
      headers: { 'content-type': 'text/csv' },
    });
    expect(json.status).toBe(400);
    expect(csv.status).toBe(400);
    expect(csv.json.error.code).toBe(json.json.error.code);
    expect(csv.json.error.message).toBe(json.json.error.message);
    expect(json.json.error.message).not.toMatch(/^(body|query)\./);
    // The issues of the request's parsing say where each was given.
    const where = (res: typeof json) =>
      new Set(
        (res.json.error.details?.issues ?? [])
          .map((issue: { in?: string }) => issue.in)
          .filter((at: string | undefined) => at !== undefined),
      );
    if (where(json).size > 0) {
      expect(where(json)).toEqual(new Set(['body']));
      expect(where(csv)).toEqual(new Set(['query']));
    }
  });

  it('names the place of a refusal that has no field: an unknown parameter', async () => {
    const res = await api(`${app.url}/api/campaigns?name=x&colour=blue`, {
      method: 'POST',
      raw: NUMBERS.join('\n'),
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^query: .*colour/);
  });
});
