import { describe, expect, it, vi } from 'vitest';
import { computeTwilioSignature } from '@ringkit/call-client/twilio';
import { useCleanup, WAIT, type Harness } from './simulator-suite-helpers.js';
import { describeTwilioCallDetails } from './simulator-suite-twilio-calls.js';
import {
  accountSid,
  authToken,
  CALL_SID,
  calls,
  dial,
  RFC_2822,
  send,
  twilioStarters,
} from './simulator-suite-twilio-helpers.js';

/** The Twilio flavour's contract, run against the HTTP simulator and the MSW mock alike. */
export function describeTwilioContract(harness: Harness): void {
  describe(`${harness.name}, twilio flavour`, () => {
    const { start, receiver } = twilioStarters(harness, useCleanup());

    it('creates a queued call shaped like the Calls resource, answering 201', async () => {
      const sim = await start({ stepMs: 60_000 });
      const created = await dial(sim.url);
      expect(created.status).toBe(201);
      const call = created.body;
      expect(call).toMatchObject({
        account_sid: accountSid,
        to: '+14155552671',
        from: '+15005550006',
        status: 'queued',
        start_time: null,
        end_time: null,
        duration: null,
        direction: 'outbound-api',
        api_version: '2010-04-01',
        uri: `/2010-04-01/Accounts/${accountSid}/Calls/${call.sid}.json`,
      });
      expect(call.sid).toMatch(CALL_SID);
      expect(call.date_created).toMatch(RFC_2822);
      expect(sim.calls()).toMatchObject([
        { id: call.sid, phone: '+14155552671', from: '+15005550006' },
      ]);
      const fetched = await send(`${calls(sim.url)}/${call.sid}.json`);
      expect(fetched.status).toBe(200);
      expect(fetched.body.sid).toBe(call.sid);
    });

    it('refuses wrong credentials with 401 and code 20003, and accepts an API key', async () => {
      const key = { sid: `SK${'1'.repeat(32)}`, secret: 'key-secret' };
      const sim = await start({
        stepMs: 60_000,
        twilio: { accountSid, authToken, apiKeys: [key] },
      });
      const basic = (user: string, password: string) =>
        `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      for (const auth of [
        null,
        basic(accountSid, 'wrong'),
        basic(key.sid, authToken),
        'Bearer x',
      ]) {
        const refused = await dial(sim.url, {}, auth);
        expect(refused.status).toBe(401);
        expect(refused.body).toEqual({
          code: 20003,
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        });
      }
      expect(sim.calls()).toEqual([]);
      expect((await dial(sim.url, {}, basic(key.sid, key.secret))).status).toBe(201);
    });

    it('answers 404 with code 20404 for another account and for an unknown call', async () => {
      const sim = await start({ stepMs: 60_000 });
      const other = await send(`${sim.url}/2010-04-01/Accounts/AC${'9'.repeat(32)}/Calls.json`);
      expect(other.status).toBe(404);
      expect(other.body).toMatchObject({ code: 20404, status: 404 });
      const unknown = await send(`${calls(sim.url)}/CA${'0'.repeat(32)}.json`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe(20404);
    });

    it('refuses bad parameters with Twilio error codes and creates nothing', async () => {
      const sim = await start({ stepMs: 60_000 });
      const cases: Array<[Record<string, string>, number, number]> = [
        [{ Colour: 'blue' }, 400, 20001],
        [{ To: '+12' }, 400, 21211],
        [{ To: 'not a number' }, 400, 21211],
        [{ From: '555' }, 400, 21212],
        [{ StatusCallback: 'ftp://x' }, 400, 21205],
        [{ StatusCallbackEvent: 'hungup' }, 400, 20001],
      ];
      for (const [form, status, code] of cases) {
        const refused = await dial(sim.url, form);
        expect([refused.status, refused.body.code], JSON.stringify(form)).toEqual([status, code]);
        expect(refused.body.more_info).toBe(`https://www.twilio.com/docs/errors/${code}`);
      }
      const noTo = await send(`${calls(sim.url)}.json`, {
        form: { From: '+15005550006', Twiml: 'x' },
      });
      expect(noTo.body.code).toBe(21201);
      const noTwiml = await send(`${calls(sim.url)}.json`, {
        form: { To: '+14155552671', From: '+15005550006' },
      });
      expect(noTwiml.body.code).toBe(21205);
      const json = await send(`${calls(sim.url)}.json`, {
        form: { To: '+14155552671' },
        type: 'application/json',
      });
      expect(json.status).toBe(415);
      expect(sim.calls()).toEqual([]);
    });

    it('answers 503 with code 20503 and creates nothing at errorRate 1', async () => {
      const sim = await start({ errorRate: 1 });
      const refused = await dial(sim.url);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('0');
      expect(refused.body.code).toBe(20503);
      expect(sim.calls()).toEqual([]);
    });

    it('lets calls out of queued one at a time, in order, at callsPerSecond', async () => {
      const sim = await start({ stepMs: 60_000, callsPerSecond: 5 });
      const sids: string[] = [];
      for (let i = 0; i < 3; i += 1) sids.push((await dial(sim.url)).body.sid);
      await vi.waitFor(
        () => expect(sim.calls().every((c) => c.status === 'initiated')).toBe(true),
        WAIT,
      );
      const initiated = sim.events.flatMap((e) =>
        e.type === 'status' && e.status === 'initiated' ? [e] : [],
      );
      expect(initiated.map((e) => e.callId)).toEqual(sids);
      const [a, b, c] = initiated.map((e) => e.at.getTime());
      // One every 200 ms at the earliest (a timer may fire a millisecond early by Date's rounding).
      expect(b! - a!).toBeGreaterThanOrEqual(199);
      expect(c! - b!).toBeGreaterThanOrEqual(199);
    });

    it('sends signed callbacks for the events asked, numbered, with the duration at the end', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: [5, 15] });
      const { body: call } = await dial(sim.url, {
        StatusCallback: hooks.url,
        StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      });
      await vi.waitFor(() => expect(hooks.received).toHaveLength(4), WAIT);
      expect(hooks.statuses()).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
      for (const [index, hook] of hooks.received.entries()) {
        expect(hook.signature).toBe(computeTwilioSignature(authToken, hooks.url, hook.params));
        expect(hook.params).toMatchObject({
          CallSid: call.sid,
          AccountSid: accountSid,
          To: '+14155552671',
          From: '+15005550006',
          Direction: 'outbound-api',
          ApiVersion: '2010-04-01',
          CallbackSource: 'call-progress-events',
          SequenceNumber: String(index),
        });
        expect(hook.params.Timestamp).toMatch(RFC_2822);
        expect('CallDuration' in hook.params).toBe(index === 3);
      }
      const fetched = await send(`${calls(sim.url)}/${call.sid}.json`);
      expect(fetched.body).toMatchObject({
        status: 'completed',
        duration: hooks.received[3]?.params.CallDuration,
      });
      expect(fetched.body.end_time).toMatch(RFC_2822);
      expect(hooks.received[3]?.params.Duration).toMatch(/^\d+$/);
    });

    it('sends only the completed callback by default, signed over the URL for GET', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, outcomes: { busy: 1 } });
      await dial(sim.url, { StatusCallback: `${hooks.url}?tenant=a`, StatusCallbackMethod: 'GET' });
      await vi.waitFor(() => expect(hooks.received).toHaveLength(1), WAIT);
      const [hook] = hooks.received;
      expect(hook?.params).toMatchObject({
        CallStatus: 'busy',
        CallDuration: '0',
        SequenceNumber: '0',
      });
      expect(hook?.signature).toBe(computeTwilioSignature(authToken, hook!.url, {}));
    });

    it('delivers duplicates with the same SequenceNumber, and out of order ones numbered truly', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, duplicateWebhookRate: 1, outOfOrderRate: 1 });
      await dial(sim.url, { StatusCallback: hooks.url, StatusCallbackEvent: 'answered completed' });
      await vi.waitFor(() => expect(hooks.received).toHaveLength(4), WAIT);
      expect(hooks.received.map((r) => [r.params.CallStatus, r.params.SequenceNumber])).toEqual([
        ['completed', '1'],
        ['completed', '1'],
        ['in-progress', '0'],
        ['in-progress', '0'],
      ]);
    });

    it('cancels a ringing call, and leaves an ended one as it is', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, ringMs: 60_000 });
      const { body: call } = await dial(sim.url, { StatusCallback: hooks.url });
      const one = `${calls(sim.url)}/${call.sid}.json`;
      await vi.waitFor(() => expect(sim.calls()[0]?.status).toBe('ringing'), WAIT);
      const canceled = await send(one, { form: { Status: 'canceled' } });
      expect(canceled.status).toBe(200);
      expect(canceled.body).toMatchObject({ status: 'canceled', duration: null });
      await vi.waitFor(() => expect(hooks.statuses()).toEqual(['canceled']), WAIT);
      const again = await send(one, { form: { Status: 'completed' } });
      expect(again.body.status).toBe('canceled');
      const bad = await send(one, { form: { Status: 'ringing' } });
      expect([bad.status, bad.body.code]).toEqual([400, 20001]);
    });

    it('leaves an answered call alone on canceled and hangs it up on completed', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, talkMs: 60_000 });
      const { body: call } = await dial(sim.url, { StatusCallback: hooks.url });
      const one = `${calls(sim.url)}/${call.sid}.json`;
      await vi.waitFor(() => expect(sim.calls()[0]?.status).toBe('in-progress'), WAIT);
      expect((await send(one, { form: { Status: 'canceled' } })).body.status).toBe('in-progress');
      const hungUp = await send(one, { form: { Status: 'completed' } });
      expect(hungUp.body).toMatchObject({
        status: 'completed',
        duration: expect.stringMatching(/^\d+$/),
      });
      await vi.waitFor(() => expect(hooks.statuses()).toEqual(['completed']), WAIT);
      expect(hooks.received[0]?.params.CallDuration).toBe(hungUp.body.duration);
    });

    it('lists calls newest first, filtered, a page at a time', async () => {
      const sim = await start({ stepMs: 60_000, callsPerSecond: 1000 });
      const sids: string[] = [];
      for (const to of ['+14155552671', '+14155552672', '+14155552671']) {
        sids.push((await dial(sim.url, { To: to })).body.sid);
      }
      await vi.waitFor(
        () => expect(sim.calls().every((c) => c.status === 'initiated')).toBe(true),
        WAIT,
      );
      const list = (query: string) => send(`${calls(sim.url)}.json?${query}`);
      const all = await list('');
      expect(all.body.calls.map((c: { sid: string }) => c.sid)).toEqual([...sids].reverse());
      expect(all.body).toMatchObject({ page: 0, page_size: 50, start: 0, next_page_uri: null });
      const to = await list('To=%2B14155552671&Status=queued');
      expect(to.body.calls.map((c: { sid: string }) => c.sid)).toEqual([sids[2], sids[0]]);
      const today = new Date().toISOString().slice(0, 10);
      expect((await list(`StartTime=${today}`)).body.calls).toHaveLength(3);
      expect((await list(`StartTime%3C=${today}`)).body.calls).toHaveLength(0);
      expect((await list(`StartTime%3E=${today}`)).body.calls).toHaveLength(3);
      expect((await list('Status=completed')).body.calls).toHaveLength(0);
      const first = await list('PageSize=2');
      expect(first.body.calls.map((c: { sid: string }) => c.sid)).toEqual([sids[2], sids[1]]);
      expect(first.body.next_page_uri).toMatch(/PageSize=2&Page=1$/);
      const second = await send(`${sim.url}${first.body.next_page_uri}`);
      expect(second.body.calls.map((c: { sid: string }) => c.sid)).toEqual([sids[0]]);
      expect(second.body).toMatchObject({ page: 1, start: 2, next_page_uri: null });
      for (const bad of ['StartTime=yesterday', 'PageSize=0', 'Status=lost', 'Colour=blue']) {
        const refused = await list(bad);
        expect([refused.status, refused.body.code], bad).toEqual([400, 20001]);
      }
    });
  });
  describeTwilioCallDetails(harness);
}
