import { describe, expect, it, vi } from 'vitest';
import { ISO_DATE, useCleanup, WAIT, type Harness } from './simulator-suite-helpers.js';
import { describeTelnyxCalls } from './simulator-suite-telnyx-calls.js';
import {
  connectionId,
  CONTROL_ID,
  dial,
  FROM,
  send,
  STATE,
  telnyxStarters,
  TO,
} from './simulator-suite-telnyx-helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The Telnyx flavour's routes, run against the HTTP simulator and the MSW mock alike. */
export function describeTelnyxContract(harness: Harness): void {
  describe(`${harness.name}, telnyx flavour`, () => {
    const { start } = telnyxStarters(harness, useCleanup());

    it('dials a call, answering 200 with its ids, and tells its status', async () => {
      const sim = await start({ stepMs: 60_000 });
      const dialed = await dial(sim.url, { client_state: STATE, record: 'record-from-answer' });
      expect(dialed.status).toBe(200);
      const data = dialed.body.data;
      expect(data).toEqual({
        call_control_id: expect.stringMatching(CONTROL_ID),
        call_leg_id: expect.stringMatching(UUID),
        call_session_id: expect.stringMatching(UUID),
        is_alive: false,
        record_type: 'call',
        client_state: STATE,
        recording_id: expect.stringMatching(UUID),
      });
      expect(sim.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(sim.calls()).toMatchObject([
        {
          id: data.call_control_id,
          flavour: 'telnyx',
          phone: TO,
          from: FROM,
          status: 'initiated',
          clientState: STATE,
          spoken: [],
          createParams: { connection_id: connectionId, record: 'record-from-answer' },
        },
      ]);
      const status = await send(`${sim.url}/v2/calls/${encodeURIComponent(data.call_control_id)}`);
      expect(status.status).toBe(200);
      expect(status.body.data).toEqual({
        call_control_id: data.call_control_id,
        call_leg_id: data.call_leg_id,
        call_session_id: data.call_session_id,
        is_alive: true,
        record_type: 'call',
        call_duration: 0,
        client_state: STATE,
        start_time: expect.stringMatching(ISO_DATE),
      });
    });

    it('refuses a missing or wrong API key with 401 and code 10009, making nothing', async () => {
      const sim = await start({ stepMs: 60_000 });
      for (const auth of [null, 'Bearer KEYwrong', `Basic ${btoa('a:b')}`]) {
        const refused = await dial(sim.url, {}, auth);
        expect(refused.status).toBe(401);
        expect(refused.body).toEqual({
          errors: [{ code: '10009', title: 'Authentication failed', detail: expect.any(String) }],
        });
      }
      expect((await send(`${sim.url}/v2/calls/x`, { auth: null })).status).toBe(401);
      expect(sim.calls()).toEqual([]);
      const other = await start({ stepMs: 60_000, telnyx: { apiKey: 'KEYmine', connectionId } });
      expect((await dial(other.url, {}, 'Bearer KEYmine')).status).toBe(200);
    });

    it('refuses a dial that breaks the contract with 422 naming the field, making nothing', async () => {
      const sim = await start({ stepMs: 60_000 });
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [{ colour: 'blue' }, '10015', '/colour'],
        [{ connection_id: undefined }, '10004', '/connection_id'],
        [{ from: undefined }, '10004', '/from'],
        [{ to: undefined }, '10004', '/to'],
        [{ connection_id: '999' }, '10017', '/connection_id'],
        [{ to: '4155552671' }, '10016', '/to'],
        [{ to: [TO, '+14155552672'] }, '10016', '/to'],
        [{ from: 'ringkit' }, '10016', '/from'],
        [{ webhook_url: 'ftp://x.test' }, '10003', '/webhook_url'],
        [{ webhook_url_method: 'GET' }, '10015', '/webhook_url_method'],
        [{ timeout_secs: 4 }, '10015', '/timeout_secs'],
        [{ timeout_secs: 601 }, '10015', '/timeout_secs'],
        [{ time_limit_secs: 29 }, '10015', '/time_limit_secs'],
        [{ time_limit_secs: 14_401 }, '10015', '/time_limit_secs'],
        [{ answering_machine_detection: 'always' }, '10015', '/answering_machine_detection'],
        [{ record: true }, '10015', '/record'],
        [{ client_state: 'not base64!' }, '10015', '/client_state'],
        [{ client_state: 'aGVsbG8' }, '10015', '/client_state'],
      ];
      for (const [fields, code, pointer] of cases) {
        const refused = await dial(sim.url, fields);
        expect([refused.status, refused.body.errors?.[0]], JSON.stringify(fields)).toEqual([
          422,
          { code, title: expect.any(String), detail: expect.any(String), source: { pointer } },
        ]);
      }
      expect(sim.calls()).toEqual([]);
      const kept = await dial(sim.url, { custom_headers: [{ name: 'X-Trace', value: '1' }] });
      expect(kept.status).toBe(200);
      expect(sim.calls()[0]?.createParams).toMatchObject({ custom_headers: [{ name: 'X-Trace' }] });
    });

    it('answers 415 for a body that is not JSON and 400 for malformed JSON', async () => {
      const sim = await start({ stepMs: 60_000 });
      const form = await send(`${sim.url}/v2/calls`, { body: 'to=1', type: 'text/plain' });
      expect([form.status, form.body.errors[0].code]).toEqual([415, '10014']);
      const broken = await send(`${sim.url}/v2/calls`, { body: '{"to":' });
      expect([broken.status, broken.body.errors[0].code]).toEqual([400, '10023']);
      const list = await send(`${sim.url}/v2/calls`, { body: '[]' });
      expect([list.status, list.body.errors[0].code]).toEqual([400, '10015']);
      expect(sim.calls()).toEqual([]);
    });

    it('answers 404 for an unknown call or route, and 405 for a wrong method', async () => {
      const sim = await start({ stepMs: 60_000 });
      const unknown = await send(`${sim.url}/v2/calls/v3:nope`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.errors).toEqual([
        { code: '90015', title: 'Call not found', detail: expect.any(String) },
      ]);
      const hangup = await send(`${sim.url}/v2/calls/v3:nope/actions/hangup`, { json: {} });
      expect([hangup.status, hangup.body.errors[0].code]).toEqual([404, '90015']);
      const { body } = await dial(sim.url);
      const id = encodeURIComponent(body.data.call_control_id);
      for (const path of ['/v2/texml', `/v2/calls/${id}/actions/transfer`, '/calls']) {
        const missing = await send(`${sim.url}${path}`, { json: {} });
        expect([missing.status, missing.body.errors[0].code], path).toEqual([404, '10005']);
      }
      const wrong = await send(`${sim.url}/v2/calls`);
      expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'POST']);
      expect(wrong.body.errors[0]).toMatchObject({ title: 'Method not allowed' });
      const post = await send(`${sim.url}/v2/calls/${id}`, { json: {} });
      expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET']);
    });

    it('answers 503 at errorRate 1 without making a call', async () => {
      const sim = await start({ errorRate: 1 });
      const refused = await dial(sim.url);
      expect(refused.status).toBe(503);
      expect(refused.body.errors).toEqual([
        { code: '10007', title: 'Service unavailable', detail: expect.any(String) },
      ]);
      expect(sim.calls()).toEqual([]);
    });

    it('answers a second dial with the same command_id with the first call, making nothing', async () => {
      const sim = await start({ stepMs: 60_000 });
      const first = await dial(sim.url, { command_id: 'dial-1' });
      const again = await dial(sim.url, { command_id: 'dial-1', to: '+14155552672' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(sim.calls()).toHaveLength(1);
      const other = await dial(sim.url, { command_id: 'dial-2' });
      expect(other.body.data.call_control_id).not.toBe(first.body.data.call_control_id);
    });

    it("lists the connection's live calls oldest first, a page at a time", async () => {
      const sim = await start({ stepMs: 60_000 });
      const ids: string[] = [];
      for (const client_state of [STATE, undefined, undefined]) {
        ids.push((await dial(sim.url, { client_state })).body.data.call_control_id);
      }
      const active = (query = '') =>
        send(`${sim.url}/v2/connections/${connectionId}/active_calls${query}`);
      const all = await active();
      expect(all.status).toBe(200);
      expect(all.body.meta).toEqual({
        page_number: 1,
        page_size: 20,
        total_pages: 1,
        total_results: 3,
      });
      expect(all.body.data.map((c: { call_control_id: string }) => c.call_control_id)).toEqual(ids);
      expect(all.body.data[0]).toEqual({
        call_control_id: ids[0],
        call_duration: 0,
        call_leg_id: expect.stringMatching(UUID),
        call_session_id: expect.stringMatching(UUID),
        client_state: STATE,
        record_type: 'call',
      });
      expect(all.body.data[1].client_state).toBe('');
      await send(`${sim.url}/v2/calls/${encodeURIComponent(ids[1]!)}/actions/hangup`, { json: {} });
      const second = await active('?page%5Bnumber%5D=2&page%5Bsize%5D=1');
      expect(second.body.data.map((c: { call_control_id: string }) => c.call_control_id)).toEqual([
        ids[2],
      ]);
      expect(second.body.meta).toEqual({
        page_number: 2,
        page_size: 1,
        total_pages: 2,
        total_results: 2,
      });
      for (const bad of ['?page[size]=251', '?page[number]=0', '?page[size]=x']) {
        expect((await active(bad)).status, bad).toBe(422);
      }
      const other = await send(`${sim.url}/v2/connections/42/active_calls`);
      expect([other.status, other.body.errors[0].code]).toEqual([404, '10005']);
    });

    it('tells the duration and end of an ended call, and lists it no more', async () => {
      const sim = await start({ stepMs: 5 });
      const { body } = await dial(sim.url);
      const id = body.data.call_control_id;
      await vi.waitFor(() => expect(sim.calls()[0]?.status).toBe('hangup:normal_clearing'), WAIT);
      const status = await send(`${sim.url}/v2/calls/${encodeURIComponent(id)}`);
      expect(status.body.data).toMatchObject({ is_alive: false, call_duration: 0 });
      expect(status.body.data.end_time).toMatch(ISO_DATE);
      expect(sim.calls()[0]).toMatchObject({
        hangupCause: 'normal_clearing',
        outcome: 'completed',
      });
      const active = await send(`${sim.url}/v2/connections/${connectionId}/active_calls`);
      expect(active.body).toEqual({
        data: [],
        meta: { page_number: 1, page_size: 20, total_pages: 0, total_results: 0 },
      });
    });
  });
  describeTelnyxCalls(harness);
}
