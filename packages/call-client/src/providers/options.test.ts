import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, isInvalidOptionsError } from '../errors/errors.js';
import { createExpressWebhookHandler } from '../webhooks/express.js';
import { createMockCallApiClient } from './mock-call-api.js';
import { createNumDialerClient } from './num-dialer.js';
import type { CallProvider } from './provider.js';
import { watchCall } from '../follow/watch.js';
import { createWebhookHandler } from '../webhooks/webhook.js';

const token = 'a-token-of-sixteen-chars';
const onEvent = () => {};
const webhookUrl = 'http://localhost:4000/webhooks/dialer/x';
const provider: CallProvider = {
  name: 'polling',
  capabilities: { polling: true, webhooks: false },
  placeCall: async () => ({ id: '1', status: 'initiated', providerStatus: 'queued', raw: {} }),
  getCall: async () => ({ id: '1', status: 'completed', providerStatus: 'completed', raw: {} }),
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('options', () => {
  it.each([
    ['createMockCallApiClient', () => createMockCallApiClient({ timeot: 10 } as never)],
    ['createNumDialerClient', () => createNumDialerClient({ webhookUrl, retries: 2 } as never)],
    ['createWebhookHandler', () => createWebhookHandler({ token, onEvent, tokn: 1 } as never)],
    [
      'createExpressWebhookHandler',
      () => createExpressWebhookHandler({ token, onEvent, limitBytes: -1 } as never),
    ],
  ])('%s refuses a misspelt or bad option with InvalidOptionsError naming it', (what, create) => {
    const error = thrown(create);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(isInvalidOptionsError(error)).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`^Invalid ${what} options: `));
    expect((error as Error).message).toMatch(/timeot|retries|tokn|limitBytes/);
  });

  it('watchCall refuses an unknown option before it polls', async () => {
    const watch = watchCall(provider, '1', { interval: 5 } as never);
    await expect(watch.next()).rejects.toThrow(/Invalid watchCall options: .*interval/);
  });

  it('takes every documented option', async () => {
    expect(() =>
      createMockCallApiClient({
        baseUrl: 'http://localhost:5000',
        timeoutMs: 1000,
        totalTimeoutMs: 5000,
        retry: { limit: 1, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 3 },
        fetch: globalThis.fetch,
        headers: { authorization: 'Bearer x' },
        defaultCountry: 'GB',
      }),
    ).not.toThrow();
    expect(() =>
      createExpressWebhookHandler({
        token,
        onEvent,
        onError: () => {},
        tokenParam: 't',
        limitBytes: 10,
      }),
    ).not.toThrow();
    const events = [];
    for await (const event of watchCall(provider, '1', {
      intervalMs: 1,
      maxIntervalMs: 2,
      maxConsecutiveErrors: 1,
      signal: new AbortController().signal,
      since: 'initiated',
    })) {
      events.push(event.status);
    }
    expect(events).toEqual(['completed']);
  });
});
