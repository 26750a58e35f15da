/**
 * A campaign's mode and its agents' settings at creation: taken in the JSON body and in a CSV
 * upload's query string alike, shown in the campaign's view, and refused in the same words
 * whichever way they were given, each refusal naming the API's field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

const NUMBERS = ['13018040009', '19842068287'];
const SELLER = { seller_name: 'Acme Windows', callback_number: '(415) 555-0100' };

/** Creates a campaign from JSON. */
const createJson = (settings: Record<string, unknown>) =>
  api(`${app.url}/api/campaigns`, { method: 'POST', body: { numbers: NUMBERS, ...settings } });

/** Creates a campaign from a CSV upload, its settings in the query string. */
const createCsv = (settings: Record<string, unknown>) => {
  const query = new URLSearchParams(
    Object.entries(settings).map(([key, value]) => [key, String(value)]),
  );
  return api(`${app.url}/api/campaigns?${query.toString()}`, {
    method: 'POST',
    raw: NUMBERS.join('\n'),
    headers: { 'content-type': 'text/csv' },
  });
};

describe('POST /api/campaigns with a mode', () => {
  it('creates a progressive campaign from JSON and shows its mode and agents', async () => {
    const res = await createJson({ name: 'progressive-json', mode: 'progressive', ...SELLER });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      id: 'progressive-json',
      mode: 'progressive',
      ratio: null,
      agents: {
        seller_name: 'Acme Windows',
        // A number without its country is read as a US one, as everywhere in the demo.
        callback_number: '+14155550100',
        abandon_cap: 0.03,
        machine_message: null,
        wrap_up_s: 10,
      },
    });
    const read = await api(`${app.url}/api/campaigns/progressive-json`);
    expect(read.json.mode).toBe('progressive');
    expect(read.json.agents.seller_name).toBe('Acme Windows');
  });

  it('creates a predictive campaign from a CSV upload with every setting in its query', async () => {
    const res = await createCsv({
      name: 'predictive-csv',
      mode: 'predictive',
      ...SELLER,
      abandon_cap: 0.02,
      machine_message: 'Acme Windows, call us back.',
      wrap_up_s: 2.5,
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      mode: 'predictive',
      ratio: null,
      agents: {
        seller_name: 'Acme Windows',
        callback_number: '+14155550100',
        abandon_cap: 0.02,
        machine_message: 'Acme Windows, call us back.',
        wrap_up_s: 2.5,
      },
    });
  });

  it.each([
    ['JSON', createJson],
    ['CSV', createCsv],
  ])('takes a fixed ratio of lines per agent from %s', async (how, create) => {
    const res = await create({
      name: `ratio-${how.toLowerCase()}`,
      mode: 'ratio',
      ratio: 2.5,
      ...SELLER,
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ mode: 'ratio', ratio: 2.5 });
  });

  it('shows a campaign created without a mode as power, with no agents', async () => {
    const res = await createJson({ name: 'plain-power' });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ mode: 'power', ratio: null, agents: null });
  });
});

describe('POST /api/campaigns refuses a mode or agents settings, JSON and CSV alike', () => {
  it.each([
    [
      'predictive without seller_name',
      { mode: 'predictive', callback_number: '+14155550100' },
      'seller_name',
      'seller_name: is required',
    ],
    [
      'progressive without callback_number',
      { mode: 'progressive', seller_name: 'Acme' },
      'callback_number',
      'callback_number: is required',
    ],
    [
      'a blank seller_name',
      { mode: 'progressive', ...SELLER, seller_name: '   ' },
      'seller_name',
      'seller_name: must not be empty',
    ],
    [
      'abandon_cap 0.05',
      { mode: 'predictive', ...SELLER, abandon_cap: 0.05 },
      'abandon_cap',
      'abandon_cap: may be lowered from 0.03, never raised',
    ],
    [
      'abandon_cap 0',
      { mode: 'predictive', ...SELLER, abandon_cap: 0 },
      'abandon_cap',
      'abandon_cap: must be more than 0',
    ],
    [
      'a callback number that is none',
      { mode: 'predictive', ...SELLER, callback_number: '12' },
      'callback_number',
      'callback_number: "12": not a valid phone number',
    ],
    [
      'a blank machine_message',
      { mode: 'predictive', ...SELLER, machine_message: '  ' },
      'machine_message',
      'machine_message: must not be empty',
    ],
    [
      'wrap_up_s above an hour',
      { mode: 'predictive', ...SELLER, wrap_up_s: 5000 },
      'wrap_up_s',
      'wrap_up_s: must be at most 3600',
    ],
    ['ratio 50', { mode: 'ratio', ratio: 50, ...SELLER }, 'ratio', 'ratio: must be at most 20'],
    [
      'ratio 0.05',
      { mode: 'ratio', ratio: 0.05, ...SELLER },
      'ratio',
      'ratio: must be at least 0.1',
    ],
    [
      'mode ratio without ratio',
      { mode: 'ratio', ...SELLER },
      'ratio',
      /^ratio: is required with mode ratio/,
    ],
    [
      'ratio with mode predictive',
      { mode: 'predictive', ratio: 2, ...SELLER },
      'ratio',
      'ratio: is taken with mode ratio only',
    ],
    [
      'seller_name without a mode',
      { seller_name: 'Acme' },
      'seller_name',
      /^seller_name: is taken with an agent mode only/,
    ],
    [
      'abandon_cap with mode power',
      { mode: 'power', abandon_cap: 0.01 },
      'abandon_cap',
      /^abandon_cap: is taken with an agent mode only/,
    ],
    ['an unknown mode', { mode: 'preview', ...SELLER }, 'mode', /^mode: must be one of "power"/],
  ] as const)('refuses %s', async (what, settings, field, message) => {
    const name = `refused-${what.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.slice(0, 60);
    const json = await createJson({ name, ...settings });
    const csv = await createCsv({ name, ...settings });
    for (const res of [json, csv]) {
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
      expect(res.json.error.message).toMatch(message);
      expect(res.json.error.details.issues.map((i: { path: string[] }) => i.path)).toEqual([
        [field],
      ]);
    }
    expect(csv.json.error.message).toBe(json.json.error.message);
    expect(json.json.error.details.issues[0].in).toBe('body');
    expect(csv.json.error.details.issues[0].in).toBe('query');
    // Nothing was created.
    expect((await api(`${app.url}/api/campaigns/${name}`)).status).toBe(404);
  });

  it('names every field refused at once', async () => {
    const res = await createJson({ name: 'two-refusals', mode: 'predictive', abandon_cap: 0.5 });
    expect(res.status).toBe(400);
    expect(res.json.error.details.issues.map((i: { path: string[] }) => i.path[0])).toEqual([
      'seller_name',
      'callback_number',
      'abandon_cap',
    ]);
  });
});
