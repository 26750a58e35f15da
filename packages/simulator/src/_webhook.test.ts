import { describe, expect, it, vi } from 'vitest';
import { createWebhookDeliverer, type SendRequest } from './_webhook.js';

const body = { id: 1001, status: 'ringing' as const };
const answering = (...statuses: number[]) => {
  const send = vi.fn<SendRequest>(async () => new Response(null, { status: statuses.shift() }));
  return send;
};

describe('the default webhook deliverer', () => {
  it('POSTs the body as JSON once when the receiver takes it', async () => {
    const send = answering(204);
    const deliver = createWebhookDeliverer(send, { backoffMs: 1 });
    await deliver('http://hooks.test/h', body, { signal: new AbortController().signal });
    expect(send).toHaveBeenCalledTimes(1);
    const [url, init] = send.mock.calls[0] ?? [];
    expect(url).toBe('http://hooks.test/h');
    expect(init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(String(init?.body))).toEqual(body);
  });

  it('retries a 5xx and a network error, then succeeds', async () => {
    let attempt = 0;
    const send = vi.fn<SendRequest>(async () => {
      attempt += 1;
      if (attempt === 1) throw new TypeError('fetch failed');
      return new Response(null, { status: attempt === 2 ? 502 : 200 });
    });
    const deliver = createWebhookDeliverer(send, { backoffMs: 1 });
    await deliver('http://hooks.test/h', body, { signal: new AbortController().signal });
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('gives up after 3 retries, with the last failure', async () => {
    const send = answering(500, 500, 500, 503, 200);
    const deliver = createWebhookDeliverer(send, { backoffMs: 1 });
    await expect(
      deliver('http://hooks.test/h', body, { signal: new AbortController().signal }),
    ).rejects.toThrow('answered 503');
    expect(send).toHaveBeenCalledTimes(4);
  });

  it('names the network failure when every attempt fails to connect', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const send = vi.fn<SendRequest>(async () => {
      throw new TypeError('fetch failed', { cause: refused });
    });
    const deliver = createWebhookDeliverer(send, { backoffMs: 1 });
    await expect(
      deliver('http://hooks.test/h', body, { signal: new AbortController().signal }),
    ).rejects.toThrow('webhook POST http://hooks.test/h failed: ECONNREFUSED');
    expect(send).toHaveBeenCalledTimes(4);
  });

  it('does not retry a 4xx', async () => {
    const send = answering(404, 200);
    const deliver = createWebhookDeliverer(send, { backoffMs: 1 });
    await expect(
      deliver('http://hooks.test/h', body, { signal: new AbortController().signal }),
    ).rejects.toThrow('answered 404');
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('stops retrying when the signal aborts', async () => {
    const controller = new AbortController();
    const send = vi.fn<SendRequest>(async () => {
      controller.abort(new Error('closed'));
      return new Response(null, { status: 503 });
    });
    const deliver = createWebhookDeliverer(send, { backoffMs: 1000 });
    await expect(
      deliver('http://hooks.test/h', body, { signal: controller.signal }),
    ).rejects.toThrow('closed');
    expect(send).toHaveBeenCalledTimes(1);
  });
});
