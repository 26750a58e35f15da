/** The Vonage flavour as MSW handlers: the official client on `fetch`, events sent for real. */
import { createHash } from 'node:crypto';
import { Auth } from '@vonage/auth';
import { verifySignature } from '@vonage/jwt';
import { CallStatus, Voice } from '@vonage/voice';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { VONAGE_TEST_CREDENTIALS, type VonageWebhookRequest } from './index.js';
import { createCallApiMock } from './msw.js';

const { applicationId, privateKey, signatureSecret } = VONAGE_TEST_CREDENTIALS;
const WAIT = { timeout: 5000, interval: 5 };

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('the Vonage flavour through MSW', () => {
  it("answers the official client at Vonage's own host, hangs up with 204, and signs every event", async () => {
    const sent: VonageWebhookRequest[] = [];
    const mock = createCallApiMock({
      flavour: 'vonage',
      stepMs: 10,
      ringMs: 60_000,
      seed: 5,
      deliverVonageWebhook: async (request) => void sent.push(request),
    });
    server.use(...mock.handlers);
    try {
      expect(mock.baseUrl).toBe('https://api.nexmo.com');
      // No apiHost: the official client's default host is what the mock answers.
      const voice = new Voice(new Auth({ applicationId, privateKey }));
      const created = await voice.createOutboundCall({
        to: [{ type: 'phone', number: '14155552671' }],
        from: { type: 'phone', number: '15005550006' },
        answerUrl: ['https://app.example/answer'],
        eventUrl: ['https://app.example/event'],
      });
      await vi.waitFor(
        () => expect(sent.map((r) => r.event.status)).toEqual(['started', 'ringing']),
        WAIT,
      );
      await voice.hangupCall(created.uuid);
      expect((await voice.getCall(created.uuid)).status).toBe(CallStatus.CANCELLED);
      await vi.waitFor(() => expect(sent.at(-1)?.event.status).toBe('cancelled'), WAIT);
      for (const request of sent) {
        expect(request.url).toBe('https://app.example/event');
        const jwt = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
        expect(verifySignature(jwt, signatureSecret)).toBe(true);
        const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as {
          payload_hash: string;
        };
        expect(claims.payload_hash).toBe(createHash('sha256').update(request.body).digest('hex'));
        expect(JSON.parse(request.body)).toEqual(request.event);
      }
      expect(mock.calls()).toMatchObject([
        { id: created.uuid, flavour: 'vonage', status: 'cancelled', spoken: [] },
      ]);
    } finally {
      mock.close();
    }
  });
});
