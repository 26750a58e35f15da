import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockCallApiClient } from './mock-call-api.js';
import { createTwilioClient } from '../twilio/index.js';
import { createVonageClient } from '../vonage/index.js';
import { APPLICATION_KEYS } from '../../test/vonage-fixtures.js';

const fast = { retry: { limit: 3, baseDelayMs: 1, maxDelayMs: 5 } };
let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

interface Seen {
  method: string;
  url: string;
  type: string | undefined;
  body: string;
}

/** A server that answers each request with the next of `answers` (the last one repeated). */
async function listen(answers: Array<[number, unknown]>): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, type: req.headers['content-type'], body });
      const [status, answer] = answers[Math.min(seen.length, answers.length) - 1]!;
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('the body of a request', () => {
  it('goes out as JSON with its content type, and again unchanged with each retry', async () => {
    const { url, seen } = await listen([
      [503, { error: 'busy' }],
      [200, { id: 1, status: 'initiated' }],
    ]);
    const call = await createMockCallApiClient({ baseUrl: url, ...fast }).placeCall({
      to: '+14155552671',
    });
    expect(call.id).toBe('1');
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/api/call',
        type: 'application/json',
        body: '{"phone_number":"+14155552671"}',
      },
      {
        method: 'POST',
        url: '/api/call',
        type: 'application/json',
        body: '{"phone_number":"+14155552671"}',
      },
    ]);
  });

  it('keeps a content type given in `headers`, once, whatever its case', async () => {
    const { url, seen } = await listen([[200, { id: 1, status: 'initiated' }]]);
    const client = createMockCallApiClient({
      baseUrl: url,
      headers: { 'Content-Type': 'application/vnd.calls+json' },
    });
    await client.placeCall({ to: '+14155552671' });
    await client.getCall('1');
    expect(seen.map((s) => [s.method, s.type])).toEqual([
      ['POST', 'application/vnd.calls+json'],
      ['GET', 'application/vnd.calls+json'],
    ]);
  });

  it('sends no content type and no body with a read', async () => {
    const { url, seen } = await listen([[200, { id: 1, status: 'ringing' }]]);
    await createMockCallApiClient({ baseUrl: url }).getCall('1');
    expect(seen).toEqual([{ method: 'GET', url: '/api/call/1', type: undefined, body: '' }]);
  });

  it('reaches a `fetch` option as a whole Request, its body and content type included', async () => {
    const { url } = await listen([[200, { id: 1, status: 'initiated' }]]);
    const handed: Array<{ method: string; type: string | null; body: unknown }> = [];
    const client = createMockCallApiClient({
      baseUrl: url,
      fetch: async (input, init) => {
        const request = input as Request;
        handed.push({
          method: request.method,
          type: request.headers.get('content-type'),
          body: await request.clone().json(),
        });
        return globalThis.fetch(request, init);
      },
    });
    await client.placeCall({ to: '+14155552671' });
    expect(handed).toEqual([
      { method: 'POST', type: 'application/json', body: { phone_number: '+14155552671' } },
    ]);
  });

  it('is form-encoded for Twilio, paced or not', async () => {
    const sid = 'CA0123456789abcdef0123456789abcdef';
    for (const callsPerSecond of [undefined, 1000]) {
      const { url, seen } = await listen([[201, { sid, status: 'queued' }]]);
      await createTwilioClient({
        accountSid: 'AC0123456789abcdef0123456789abcdef',
        authToken: 'token',
        from: '+15005550006',
        baseUrl: url,
        reconcile: false,
        ...(callsPerSecond === undefined ? {} : { callsPerSecond }),
      }).placeCall({ to: '+14155552671' });
      expect(seen).toHaveLength(1);
      expect(seen[0]!.type).toBe('application/x-www-form-urlencoded;charset=UTF-8');
      expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toMatchObject({
        To: '+14155552671',
        From: '+15005550006',
      });
      await new Promise((resolve) => server!.close(resolve));
      server = undefined;
    }
  });

  it('is JSON for Vonage, paced or not, and goes again unchanged after a 429', async () => {
    const uuid = '63f61863-4a51-4f6b-86e1-46edebcf9356';
    for (const callsPerSecond of [undefined, 1000]) {
      const { url, seen } = await listen([
        [429, { title: 'Too Many Requests' }],
        [201, { uuid, status: 'started' }],
      ]);
      const call = await createVonageClient({
        applicationId: 'app-1',
        privateKey: APPLICATION_KEYS.privateKey,
        from: '+15005550006',
        baseUrl: url,
        retry: { limit: 1, baseDelayMs: 1 },
        ...(callsPerSecond === undefined ? {} : { callsPerSecond }),
      }).placeCall({ to: '+14155552671', say: 'Hi & bye' });
      expect(call.id).toBe(uuid);
      expect(seen).toHaveLength(2);
      expect(seen[1]).toEqual(seen[0]);
      expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/calls', type: 'application/json' });
      expect(JSON.parse(seen[0]!.body)).toMatchObject({
        to: [{ type: 'phone', number: '14155552671' }],
        from: { type: 'phone', number: '15005550006' },
        ncco: [{ action: 'talk', text: 'Hi & bye' }],
      });
      await new Promise((resolve) => server!.close(resolve));
      server = undefined;
    }
  });
});
