/**
 * `connectCall` and `abandonCall`: the TwiML each sends, compared with what the official twilio
 * package's `VoiceResponse` builds on thousands of generated cases; one update per call, never
 * retried once it may have arrived; bad input refused before anything is sent.
 */
import fc from 'fast-check';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isInvalidOptionsError } from '../errors/errors.js';
import { CALL, callBody, options, readXml, SID } from '../../test/twilio-fixtures.js';
import { connectTwiml, sayAndHangUpTwiml } from './_twiml.js';
import { createTwilioClient } from './index.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/** TwiML as twilio-node's `twiml.VoiceResponse` writes it. */
function official(build: (response: twilio.twiml.VoiceResponse) => void): string {
  const response = new twilio.twiml.VoiceResponse();
  build(response);
  return response.toString();
}

/** Text as people and machines write it: XML's specials, quotes, accents, emoji, spaces. */
const text = fc.string({
  unit: fc.constantFrom('a', 'Z', ' ', '&', '<', '>', '"', "'", 'é', '€', '😀', '.', '\u00a0'),
  minLength: 1,
  maxLength: 60,
});
const number = fc.integer({ min: 2_000_000_000, max: 9_999_999_999 }).map((n) => `+1${n}`);
const sip = fc
  .tuple(fc.stringMatching(/^[a-z0-9._+-]{1,12}$/), fc.stringMatching(/^[a-z0-9-]{1,10}$/))
  .map(([user, host]) => `sip:${user}@${host}.example.com`);

describe('the TwiML of connectCall and abandonCall', () => {
  it('dials a number or a SIP URI as VoiceResponse does, on 2,000 generated cases', () => {
    fc.assert(
      fc.property(
        fc.oneof(number, sip),
        fc.integer({ min: 5, max: 600 }),
        fc.option(number, { nil: undefined }),
        (to, ringS, callerId) => {
          const ours = connectTwiml(to, ringS, callerId);
          const theirs = official((r) => {
            const dial = r.dial({ timeout: ringS, ...(callerId ? { callerId } : {}) });
            if (to.startsWith('sip:')) dial.sip(to);
            else dial.number(to);
          });
          expect(readXml(ours)).toEqual(readXml(theirs));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('speaks a message and hangs up as VoiceResponse does, on 2,000 generated cases', () => {
    fc.assert(
      fc.property(text, (message) => {
        const theirs = official((r) => {
          r.say(message);
          r.hangup();
        });
        expect(readXml(sayAndHangUpTwiml(message))).toEqual(readXml(theirs));
      }),
      { numRuns: 2000 },
    );
  });
});

/** The update forms the client sent; each answered with `answer` (a status, or an error). */
function updates(answer: () => Response) {
  const forms: URLSearchParams[] = [];
  server.use(
    http.post(CALL, async ({ request }) => {
      forms.push(new URLSearchParams(await request.text()));
      return answer();
    }),
  );
  return forms;
}

describe('createTwilioClient: connectCall and abandonCall', () => {
  const ok = () => HttpResponse.json(callBody('in-progress'));

  it('connects an answered call: one update whose Twiml dials the agent from our number', async () => {
    const forms = updates(ok);
    const client = createTwilioClient(options());
    await client.connectCall(SID, '(415) 555-0123', { ringS: 15 });
    await client.connectCall(SID, 'sip:ana@pbx.example.com');
    expect(forms.map((f) => [...f.keys()])).toEqual([['Twiml'], ['Twiml']]);
    const from = options().from;
    expect(forms[0]!.get('Twiml')).toBe(
      `<Response><Dial timeout="15" callerId="${from}"><Number>+14155550123</Number></Dial></Response>`,
    );
    expect(forms[1]!.get('Twiml')).toContain('<Sip>sip:ana@pbx.example.com</Sip>');
    expect(forms[1]!.get('Twiml')).toContain('timeout="20"');
  });

  it('abandons a call: its Twiml says the message and hangs up', async () => {
    const forms = updates(ok);
    await createTwilioClient(options()).abandonCall(
      SID,
      'Acme Co. Call us on 415 555 0100 & soon.',
    );
    expect(forms[0]!.get('Twiml')).toBe(
      '<Response><Say>Acme Co. Call us on 415 555 0100 &amp; soon.</Say><Hangup/></Response>',
    );
  });

  it('refuses what Twilio would, sending nothing', async () => {
    const forms = updates(ok);
    const client = createTwilioClient(options());
    const refused = [
      client.connectCall(SID, 'nobody'),
      client.connectCall(SID, 'sip:no host'),
      client.connectCall(SID, '+14155550123', { ringS: 4 }),
      client.connectCall(SID, '+14155550123', { ringS: 601 }),
      client.abandonCall(SID, '   '),
      client.abandonCall(SID, '&'.repeat(800)),
    ];
    for (const attempt of refused) await expect(attempt).rejects.toThrow();
    const long = await client.abandonCall(SID, '&'.repeat(800)).catch((e: unknown) => e);
    expect(isInvalidOptionsError(long)).toBe(true);
    expect(forms).toEqual([]);
  });

  it('does not send an update twice when its answer is lost', async () => {
    const forms = updates(() => HttpResponse.error());
    const error = await createTwilioClient(options())
      .connectCall(SID, '+14155550123')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(forms).toHaveLength(1);
  });

  it("reports Twilio's refusal of a call that is not in progress", async () => {
    updates(() =>
      HttpResponse.json(
        { code: 21220, message: 'Call is not in-progress. Cannot redirect.', status: 400 },
        { status: 400 },
      ),
    );
    const error = await createTwilioClient(options())
      .connectCall(SID, '+14155550123')
      .catch((e: unknown) => e);
    expect((error as { twilioCode?: unknown }).twilioCode).toBe(21220);
  });
});
