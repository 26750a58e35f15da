/**
 * What a call says is checked once, the same way, on every route that takes it: `message` of
 * `POST /api/scheduled-calls`, `say` of a campaign's number in JSON and in a CSV upload. A
 * message no provider could say (a control character, more than 4000 characters, blank text or
 * only invisible characters) or one the configured provider refuses (Twilio's TwiML, once
 * escaped) is a 400 naming the field, and the list's row (the CSV's line, the index in
 * `numbers`); nothing is stored or placed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The app on Twilio's simulator, which says a call's message; its calls call back nobody. */
const startTwilioApp = () =>
  startTestApp({
    twilio: { stepMs: 600_000, callsPerSecond: 100, deliverStatusCallback: async () => {} },
  });

const refused: [string, string, RegExp][] = [
  ['a control character', 'a\u0000b', /no control characters/],
  ['4,100 characters', 'x'.repeat(4100), /^must be at most 4000 characters$/],
  ['whitespace-only text', ' \t  ', /must not be blank/],
  ['invisible characters only', '\u200B\u2060\u200D', /must not be blank/],
  ['TwiML Twilio would refuse once escaped', '&'.repeat(1000), /Twilio takes at most 4000/],
];

/** Neither a campaign nor a scheduled call was stored, and no call was placed. */
async function nothingStored() {
  expect((await api(`${app!.url}/api/campaigns`)).json.items).toEqual([]);
  expect((await api(`${app!.url}/api/campaigns/checked`)).status).toBe(404);
  expect((await api(`${app!.url}/api/scheduled-calls`)).json.items).toEqual([]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(app!.twilio!.calls()).toEqual([]);
}

const csvField = (text: string) => `"${text.replaceAll('"', '""')}"`;

describe.each([...refused, ['empty text', '', /must not be blank/] as const])(
  'a message with %s',
  (_what, say, reason) => {
    it('is refused by POST /api/campaigns (JSON) on its index and field', async () => {
      app = await startTwilioApp();
      const res = await api(`${app.url}/api/campaigns`, {
        method: 'POST',
        body: {
          name: 'checked',
          numbers: [
            { phone: '+13018040009', say: 'Hello.' },
            { phone: '+19842068287', say },
          ],
        },
      });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({
        code: 'invalid_numbers',
        message: expect.stringMatching(/^1 of 2 numbers .*: row 2 \(/),
        details: {
          invalid_numbers: [
            {
              row: 2,
              index: 1,
              field: 'say',
              phone: '+19842068287',
              message: expect.stringMatching(reason),
            },
          ],
        },
      });
      await nothingStored();
    });

    it('is refused by POST /api/scheduled-calls on its field', async () => {
      app = await startTwilioApp();
      const res = await api(`${app.url}/api/scheduled-calls`, {
        method: 'POST',
        body: {
          phone_number: '+14155552671',
          scheduled_time: new Date(Date.now() + 3_600_000).toISOString(),
          message: say,
        },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
      expect(res.json.error.details.issues).toEqual([
        expect.objectContaining({ path: ['message'], message: expect.stringMatching(reason) }),
      ]);
      await nothingStored();
    });
  },
);

describe.each(refused)('a CSV message with %s', (_what, say, reason) => {
  it('is refused by the CSV upload on its line and field', async () => {
    app = await startTwilioApp();
    const res = await api(`${app.url}/api/campaigns?name=checked`, {
      method: 'POST',
      raw: `phone,say\r\n+13018040009,Hello.\r\n+19842068287,${csvField(say)}\r\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      code: 'invalid_numbers',
      message: expect.stringMatching(/^1 of 2 numbers .*: row 3 \(/),
      details: {
        invalid_numbers: [
          {
            row: 3,
            line: 3,
            field: 'say',
            phone: '+19842068287',
            message: expect.stringMatching(reason),
          },
        ],
      },
    });
    await nothingStored();
  });
});

describe('a campaign list', () => {
  it('is answered with every field refused, numbers and messages alike, in one 400', async () => {
    app = await startTwilioApp();
    const res = await api(`${app.url}/api/campaigns?name=checked`, {
      method: 'POST',
      raw: 'phone,say\n42,Hello.\n+13018040009,"a\u0000b"\n+19842068287,Hello.\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({
      code: 'invalid_numbers',
      message: expect.stringMatching(/^2 of 3 numbers cannot be dialed: row 2 phone .*row 3 say/),
    });
    expect(res.json.error.details.invalid_numbers).toEqual([
      expect.objectContaining({ line: 2, field: 'phone', phone: '42' }),
      expect.objectContaining({ line: 3, field: 'say', phone: '+13018040009' }),
    ]);
    await nothingStored();
  });

  it('says a message that holds a comma, a quote and a line break, in double quotes', async () => {
    app = await startTwilioApp();
    const res = await api(`${app.url}/api/campaigns?name=quoted`, {
      method: 'POST',
      raw: '+13018040009,"Hello, Ada ""A."" Lovelace"\n+19842068287,"Two\nlines"\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(201);
    const calls = (await eventually(() => {
      const placed = app!.twilio!.calls();
      return placed.length === 2 ? placed : undefined;
    }))!;
    const twiml = (phone: string) => calls.find((c) => c.phone === phone)?.twiml;
    expect(twiml('+13018040009')).toBe(
      '<Response><Say>Hello, Ada &quot;A.&quot; Lovelace</Say></Response>',
    );
    expect(twiml('+19842068287')).toContain('Two');
  });

  it('says what an empty CSV cell says: nothing, and each message trimmed as a scheduled call’s', async () => {
    app = await startTwilioApp();
    const res = await api(`${app.url}/api/campaigns?name=trimmed`, {
      method: 'POST',
      raw: 'phone,say\n+13018040009,\n+19842068287,  Your parcel arrives today.  \n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(201);
    const calls = (await eventually(() => {
      const placed = app!.twilio!.calls();
      return placed.length === 2 ? placed : undefined;
    }))!;
    const twiml = (phone: string) => calls.find((c) => c.phone === phone)?.twiml;
    expect(twiml('+19842068287')).toBe(
      '<Response><Say>Your parcel arrives today.</Say></Response>',
    );
    expect(twiml('+13018040009')).not.toContain('parcel');
  });
});
