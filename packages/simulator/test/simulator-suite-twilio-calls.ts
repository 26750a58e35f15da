import { describe, expect, it, vi } from 'vitest';
import { computeTwilioSignature, verifyTwilioSignature } from '@ringkit/call-client/twilio';
import { useCleanup, WAIT, type Harness } from './simulator-suite-helpers.js';
import {
  accountSid,
  authToken,
  calls,
  dial,
  send,
  twilioStarters,
} from './simulator-suite-twilio-helpers.js';

const EVERY_EVENT = ['initiated', 'ringing', 'answered', 'completed'];
const MESSAGE_ENDS = ['machine_end_beep', 'machine_end_silence', 'machine_end_other'];

/**
 * The Twilio flavour's call records: deleting them, where their callbacks go, who answered them,
 * and what a test can read of each call.
 */
export function describeTwilioCallDetails(harness: Harness): void {
  describe(`${harness.name}, twilio flavour, call details`, () => {
    const { start, receiver } = twilioStarters(harness, useCleanup());
    const allEnded = (sim: { calls(): Array<{ status: string }> }, status = 'completed') =>
      vi.waitFor(() => expect(sim.calls().every((c) => c.status === status)).toBe(true), WAIT);

    it('deletes an ended call with 204 and no body, after which it is not found', async () => {
      const sim = await start({ stepMs: 5, callsPerSecond: 1000 });
      const { body: call } = await dial(sim.url);
      const { body: kept } = await dial(sim.url, { To: '+14155552672' });
      await allEnded(sim);
      const one = `${calls(sim.url)}/${call.sid}.json`;
      const deleted = await send(one, { method: 'DELETE' });
      expect([deleted.status, deleted.text]).toEqual([204, '']);
      const fetched = await send(one);
      expect(fetched.status).toBe(404);
      expect(fetched.body).toEqual({
        code: 20404,
        message: `The requested resource /2010-04-01/Accounts/${accountSid}/Calls/${call.sid}.json was not found`,
        more_info: 'https://www.twilio.com/docs/errors/20404',
        status: 404,
      });
      const listed = await send(`${calls(sim.url)}.json`);
      expect(listed.body.calls.map((c: { sid: string }) => c.sid)).toEqual([kept.sid]);
      expect(sim.calls().map((c) => c.id)).toEqual([kept.sid]);
      const again = await send(one, { method: 'DELETE' });
      expect([again.status, again.body.code]).toEqual([404, 20404]);
      const unknown = await send(`${calls(sim.url)}/CA${'0'.repeat(32)}.json`, {
        method: 'DELETE',
      });
      expect([unknown.status, unknown.body.code]).toEqual([404, 20404]);
    });

    it('refuses to delete a call before it ends, and allows DELETE on a call only', async () => {
      const sim = await start({ stepMs: 60_000 });
      const { body: call } = await dial(sim.url);
      const one = `${calls(sim.url)}/${call.sid}.json`;
      const early = await send(one, { method: 'DELETE' });
      expect([early.status, early.body.code]).toEqual([409, 20009]);
      expect((await send(one)).body.status).toBe('queued');
      const onList = await send(`${calls(sim.url)}.json`, { method: 'DELETE' });
      expect(onList.status).toBe(405);
      expect(onList.headers.get('allow')).toBe('GET, POST');
      const put = await send(one, { method: 'PUT' });
      expect(put.status).toBe(405);
      expect(put.headers.get('allow')).toBe('GET, POST, DELETE');
      await send(one, { form: { Status: 'canceled' } });
      expect((await send(one, { method: 'DELETE' })).status).toBe(204);
      expect(sim.calls()).toEqual([]);
    });

    it('delivers callbacks to the percent-encoded StatusCallback and signs that very URL', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, callsPerSecond: 1000 });
      const cases = [
        {
          given: `${hooks.origin}/status hooks/café?tenant=Zoë Ltd&lang=ja-日本`,
          sent: '/status%20hooks/caf%C3%A9?tenant=Zo%C3%AB%20Ltd&lang=ja-%E6%97%A5%E6%9C%AC',
          method: 'POST',
        },
        {
          given: `${hooks.origin}/already%20encoded/caf%C3%A9?note=50%25%20off`,
          sent: '/already%20encoded/caf%C3%A9?note=50%25%20off',
          method: 'GET',
        },
        {
          given: `${hooks.origin}/mixed/naïve%20path?q=a b%2Bc#part`,
          sent: '/mixed/na%C3%AFve%20path?q=a%20b%2Bc',
          method: 'POST',
        },
      ];
      const sids: string[] = [];
      for (const [index, { given, method }] of cases.entries()) {
        const { body } = await dial(sim.url, {
          To: `+1415555267${index + 1}`,
          StatusCallback: given,
          StatusCallbackMethod: method,
          StatusCallbackEvent: EVERY_EVENT,
        });
        sids.push(body.sid);
      }
      await vi.waitFor(() => expect(hooks.received).toHaveLength(4 * cases.length), WAIT);
      for (const hook of hooks.received) {
        const { sent, method } = cases[sids.indexOf(hook.params.CallSid ?? '')]!;
        expect(hook.method).toBe(method);
        const signed = method === 'GET' ? {} : hook.params;
        if (method === 'GET') expect(hook.url.startsWith(`${hooks.origin}${sent}&`)).toBe(true);
        else expect(hook.url).toBe(`${hooks.origin}${sent}`);
        expect(hook.signature).toBe(computeTwilioSignature(authToken, hook.url, signed));
        const { url, signature } = hook;
        expect(verifyTwilioSignature({ authToken, url, params: signed, signature })).toBe(true);
      }
      const reported = () =>
        sim.events.flatMap((e) =>
          e.type === 'webhook_sent' && e.callId === sids[0] ? [e.url] : [],
        );
      await vi.waitFor(() => expect(reported()).toHaveLength(4), WAIT);
      expect(new Set(reported())).toEqual(new Set([`${hooks.origin}${cases[0]!.sent}`]));
    });

    it('says who answered a call with MachineDetection, in the resource and the callbacks from the answer on', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, machineRate: 1 });
      const created = await dial(sim.url, {
        MachineDetection: 'Enable',
        StatusCallback: hooks.url,
        StatusCallbackEvent: EVERY_EVENT,
      });
      expect(created.body.answered_by).toBeNull();
      await vi.waitFor(() => expect(hooks.received).toHaveLength(4), WAIT);
      expect(hooks.received.map((h) => [h.params.CallStatus, h.params.AnsweredBy])).toEqual([
        ['initiated', undefined],
        ['ringing', undefined],
        ['in-progress', 'machine_start'],
        ['completed', 'machine_start'],
      ]);
      const one = `${calls(sim.url)}/${created.body.sid}.json`;
      expect((await send(one)).body.answered_by).toBe('machine_start');
      const listed = await send(`${calls(sim.url)}.json`);
      expect(listed.body.calls[0].answered_by).toBe('machine_start');
      expect(sim.calls()[0]).toMatchObject({
        machineDetection: 'Enable',
        answeredBy: 'machine_start',
      });
    });

    it.each([
      ['DetectMessageEnd', 1, MESSAGE_ENDS],
      ['Enable', 0, ['human']],
      ['DetectMessageEnd', 0, ['human']],
    ])('answers %s calls at machineRate %d with %j', async (mode, machineRate, words) => {
      const sim = await start({ stepMs: 5, callsPerSecond: 1000, machineRate });
      for (let i = 0; i < 6; i += 1) await dial(sim.url, { MachineDetection: mode });
      await allEnded(sim);
      const listed = await send(`${calls(sim.url)}.json`);
      const answered = listed.body.calls.map((c: { answered_by: string }) => c.answered_by);
      expect(answered).toHaveLength(6);
      for (const word of answered) expect(words).toContain(word);
      expect(sim.calls().map((c) => c.answeredBy)).toEqual([...answered].reverse());
    });

    it('leaves answered_by null and sends no AnsweredBy without detection or without an answer', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, callsPerSecond: 1000, machineRate: 1 });
      const hooked = { StatusCallback: hooks.url, StatusCallbackEvent: EVERY_EVENT };
      await dial(sim.url, hooked);
      await dial(sim.url, { ...hooked, MachineDetection: 'Enable', SendDigits: '1234' });
      await vi.waitFor(() => expect(hooks.received).toHaveLength(8), WAIT);
      expect(hooks.received.filter((h) => 'AnsweredBy' in h.params)).toEqual([]);
      const listed = await send(`${calls(sim.url)}.json`);
      expect(listed.body.calls.map((c: { answered_by: unknown }) => c.answered_by)).toEqual([
        null,
        null,
      ]);
      expect(sim.calls().map((c) => [c.answeredBy, c.machineDetection])).toEqual([
        [null, undefined],
        [null, undefined],
      ]);
    });

    it('leaves answered_by null for a detected call that is never answered', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, machineRate: 1, outcomes: { busy: 1 } });
      await dial(sim.url, { MachineDetection: 'Enable', StatusCallback: hooks.url });
      await vi.waitFor(() => expect(hooks.statuses()).toEqual(['busy']), WAIT);
      expect(hooks.received[0]?.params).not.toHaveProperty('AnsweredBy');
      expect(sim.calls()[0]?.answeredBy).toBeNull();
    });

    it("shows each call's Twiml, Url, detection and create parameters, and a redirect's TwiML", async () => {
      const sim = await start({ stepMs: 60_000 });
      const say = '<Response><Say>Hello Zoë</Say></Response>';
      const { body: first } = await dial(sim.url, {
        Twiml: say,
        MachineDetection: 'DetectMessageEnd',
        Timeout: '15',
        TimeLimit: '3600',
        Record: 'true',
        StatusCallbackEvent: ['ringing', 'completed'],
      });
      await send(`${calls(sim.url)}.json`, {
        form: { To: '+14155552672', From: '+15005550006', Url: 'https://app.example/twiml' },
      });
      const [made, fetched] = sim.calls();
      expect(made).toMatchObject({
        twiml: say,
        machineDetection: 'DetectMessageEnd',
        answeredBy: null,
        createParams: {
          To: ['+14155552671'],
          Twiml: [say],
          Timeout: ['15'],
          TimeLimit: ['3600'],
          Record: ['true'],
          StatusCallbackEvent: ['ringing', 'completed'],
        },
      });
      expect(made).not.toHaveProperty('url');
      expect(fetched).toMatchObject({ url: 'https://app.example/twiml' });
      expect(fetched).not.toHaveProperty('twiml');
      expect(fetched?.createParams).toEqual({
        To: ['+14155552672'],
        From: ['+15005550006'],
        Url: ['https://app.example/twiml'],
      });
      const one = `${calls(sim.url)}/${first.sid}.json`;
      const redirected = '<Response><Say>Goodbye</Say></Response>';
      expect((await send(one, { form: { Twiml: redirected } })).status).toBe(200);
      expect(sim.calls()[0]).toMatchObject({ twiml: redirected, createParams: { Twiml: [say] } });
    });

    it('accepts Timeout, TimeLimit, Record and MachineDetection, and refuses malformed ones', async () => {
      const sim = await start({ stepMs: 60_000 });
      const accepted: Array<Record<string, string>> = [
        { Timeout: '1', TimeLimit: '1', Record: 'false' },
        { Timeout: '600', TimeLimit: '86400', Record: 'True' },
        { MachineDetection: 'Enable' },
      ];
      for (const form of accepted) {
        expect((await dial(sim.url, form)).status, JSON.stringify(form)).toBe(201);
      }
      const refused: Array<[Record<string, string>, number]> = [
        [{ Timeout: '0' }, 21208],
        [{ Timeout: '601' }, 21208],
        [{ Timeout: '1.5' }, 21208],
        [{ Timeout: 'ten' }, 21208],
        [{ TimeLimit: '0' }, 20001],
        [{ TimeLimit: '-5' }, 20001],
        [{ TimeLimit: '86401' }, 20001],
        [{ Record: 'yes' }, 20001],
        [{ Record: '1' }, 20001],
        [{ MachineDetection: 'enable' }, 21234],
        [{ MachineDetection: 'true' }, 21234],
      ];
      for (const [form, code] of refused) {
        const answer = await dial(sim.url, form);
        expect([answer.status, answer.body.code], JSON.stringify(form)).toEqual([400, code]);
        expect(answer.body.more_info).toBe(`https://www.twilio.com/docs/errors/${code}`);
      }
      expect(sim.calls()).toHaveLength(accepted.length);
      const one = `${calls(sim.url)}/${sim.calls()[0]?.id}.json`;
      const update = await send(one, { form: { TimeLimit: 'forever' } });
      expect([update.status, update.body.code]).toEqual([400, 20001]);
    });
  });
}
