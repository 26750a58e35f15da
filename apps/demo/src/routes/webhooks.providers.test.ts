/**
 * One store holds the scheduled calls and the campaigns' calls, each practice API's: a scheduled
 * call and a campaign's call with the same id each get only their own provider's news. The
 * scheduled call's API here is a stand-in that numbers its calls as the webhook API does, so
 * the two ids are equal.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCallApiSimulator, type CallApiSimulator } from '@ringkit/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestApp, type TestApp } from '../_test-utils.js';

const PHONE = '+14155552671';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('equal call ids of the two practice APIs, in the one store', () => {
  it("never apply one API's status to the other's call", async () => {
    // The scheduled call rings at its API until the test ends it; the campaign's ends in a second.
    const polling = await numberedPollingApi(1001);
    const webhook = await startCallApiSimulator({
      flavour: 'webhook',
      port: 0,
      stepMs: [200, 300],
      seed: 2,
      outcomes: { busy: 1 },
    });
    try {
      app = await startTestApp({
        simulators: { polling: polling as unknown as CallApiSimulator, webhook },
      });
      // The campaign's call is placed first; the scheduled call, under the same id, while the
      // campaign's webhooks are still to come.
      await api(`${app.url}/api/campaigns`, {
        method: 'POST',
        body: { name: 'same-ids', numbers: [PHONE], concurrency: 1 },
      });
      await eventually(() => webhook.calls().length === 1 || undefined);
      const scheduled = await api(`${app.url}/api/scheduled-calls`, {
        method: 'POST',
        body: { phone_number: PHONE, scheduled_time: new Date().toISOString() },
      });
      const call = await eventually(async () => {
        const { json } = await api(`${app!.url}/api/scheduled-calls/${scheduled.json.id}`);
        return json.provider_call_id ? json : undefined;
      });
      const done = await eventually(async () => {
        const { json } = await api(`${app!.url}/api/campaigns/same-ids`);
        return json.state === 'done' ? json : undefined;
      });
      // The same id at both APIs.
      expect(done.entries[0].call_id).toBe(call.provider_call_id);
      // The campaign's call ended busy, by its own webhooks; the scheduled call, still ringing
      // at its own API, is not ended by them.
      expect(done.entries[0].status).toBe('busy');
      const now = (await api(`${app.url}/api/scheduled-calls/${call.id}`)).json;
      expect(['initiated', 'ringing', 'answered']).toContain(now.status);
      // A late webhook of the campaign's call, sent again, changes neither.
      const token = String(webhook.calls()[0]!.webhookUrl).split('/').at(-1);
      const late = await fetch(`${app.url}/webhooks/dialer/${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: Number(call.provider_call_id), status: 'failed' }),
      });
      expect(late.status).toBeLessThan(300);
      const after = (await api(`${app.url}/api/scheduled-calls/${call.id}`)).json;
      expect(['initiated', 'ringing', 'answered']).toContain(after.status);
      expect(
        after.attempts.flatMap((a: { events?: unknown[] }) => a.events ?? []),
      ).not.toContainEqual(expect.objectContaining({ status: 'failed' }));
      // Its own API ends it, completed.
      polling.end();
      const ended = await eventually(async () => {
        const { json } = await api(`${app!.url}/api/scheduled-calls/${call.id}`);
        return json.status === 'completed' ? json : undefined;
      }, 20_000);
      expect(ended.status).toBe('completed');
    } finally {
      await app?.close();
      app = undefined;
      await Promise.all([polling.close(), webhook.close()]);
    }
  });
});

/**
 * A polling API (the mock provider's `POST /api/call`, `GET /api/call/:id`) that numbers its
 * calls from `first` and keeps each ringing until `end()`.
 */
async function numberedPollingApi(first: number) {
  let next = first;
  let status = 'ringing';
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && req.url === '/api/call') {
      req.resume();
      res.end(JSON.stringify({ id: next++, status: 'ringing' }));
      return;
    }
    const id = /^\/api\/call\/(\d+)$/.exec(req.url ?? '')?.[1];
    res.end(JSON.stringify({ id: Number(id), status }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    end: () => {
      status = 'completed';
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
