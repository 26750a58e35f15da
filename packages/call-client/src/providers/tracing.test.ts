import { trace } from '@opentelemetry/api';
import { attributeText, ownTracer, recordSpans } from '@ringkit/internal/testing';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createMockCallApiClient } from './mock-call-api.js';
import { createNumDialerClient } from './num-dialer.js';
import { createTwilioClient } from '../twilio/client.js';
import { createVonageClient } from '../vonage/client.js';
import { APPLICATION_KEYS } from '../../test/vonage-fixtures.js';
import { InvalidOptionsError } from '../errors/errors.js';

const otel = recordSpans();
afterAll(() => otel.close());
beforeEach(() => otel.reset());

const TO = '+14155552671';

/** A `fetch` that answers each request with the next of `answers`. */
function answering(...answers: Array<() => Response>) {
  const requests: Request[] = [];
  const fetch = (input: RequestInfo | URL) => {
    requests.push(input as Request);
    const next = answers.shift();
    if (!next) throw new Error('no answer left');
    return Promise.resolve(next());
  };
  return { fetch: fetch as typeof globalThis.fetch, requests };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const placeSpans = () => otel.named('ringkit.place_call');

describe('the ringkit.place_call span', () => {
  it('is one per placement, with the provider, server, HTTP status and the call, never the number', async () => {
    const { fetch } = answering(() => json(201, { id: 7, status: 'initiated', phone_number: TO }));
    const client = createMockCallApiClient({ baseUrl: 'http://calls.test:5000', fetch });
    await client.placeCall({ to: TO });

    const [span, ...more] = placeSpans();
    expect(more).toHaveLength(0);
    expect(span!.kind).toBe(2); // CLIENT
    expect(span!.attributes).toEqual({
      'ringkit.provider': 'mock-call-api',
      'server.address': 'calls.test',
      'server.port': 5000,
      'http.request.method': 'POST',
      'http.response.status_code': 201,
      'ringkit.placement.outcome': 'placed',
      'ringkit.call.provider_id': '7',
      'ringkit.call.status': 'initiated',
    });
    expect(span!.status.code).toBe(1); // OK
    expect(attributeText(placeSpans())).not.toMatch(/4155552671/);
  });

  it('counts the resends of a 503 and calls the refusal not_placed', async () => {
    const { fetch } = answering(
      () => json(503, {}),
      () => json(503, {}),
    );
    const client = createNumDialerClient({
      baseUrl: 'https://dialer.test',
      webhookUrl: 'https://app.test/hooks/x',
      fetch,
      retry: { limit: 1, baseDelayMs: 0 },
    });
    await expect(client.placeCall({ to: TO })).rejects.toThrow();

    const [span] = placeSpans();
    expect(span!.attributes).toMatchObject({
      'ringkit.provider': 'num-dialer',
      'server.port': 443,
      'http.response.status_code': 503,
      'http.request.resend_count': 1,
      'ringkit.placement.outcome': 'not_placed',
      'error.type': 'http_error',
    });
    expect(span!.status).toEqual({ code: 2, message: 'http_error' });
  });

  it('calls a 502 unknown: the provider may have placed the call', async () => {
    const { fetch } = answering(() => json(502, { message: `could not call ${TO}` }));
    const client = createMockCallApiClient({ baseUrl: 'http://calls.test', fetch });
    await expect(client.placeCall({ to: TO })).rejects.toThrow();

    const [span] = placeSpans();
    expect(span!.attributes['ringkit.placement.outcome']).toBe('unknown');
    expect(span!.attributes['http.response.status_code']).toBe(502);
    // The provider's answer quoted the number; the span keeps the error's type only.
    expect(attributeText(placeSpans())).not.toMatch(/4155552671/);
  });

  it('calls an invalid number not_placed, with no HTTP status since nothing was sent', async () => {
    const { fetch, requests } = answering();
    const client = createMockCallApiClient({ baseUrl: 'http://calls.test', fetch });
    await expect(client.placeCall({ to: 'not a number' })).rejects.toThrow();

    expect(requests).toHaveLength(0);
    const [span] = placeSpans();
    expect(span!.attributes['ringkit.placement.outcome']).toBe('not_placed');
    expect(span!.attributes['http.response.status_code']).toBeUndefined();
    expect(span!.attributes['error.type']).toBe('invalid_phone_number');
  });

  it('is a child of the span active where placeCall is called', async () => {
    const { fetch } = answering(() => json(200, { id: 'a1', status: 'initiated' }));
    const client = createMockCallApiClient({ baseUrl: 'http://calls.test', fetch });
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('job', async (parent) => {
      await client.placeCall({ to: TO });
      parent.end();
    });

    const [job] = otel.named('job');
    const [span] = placeSpans();
    expect(span!.spanContext().traceId).toBe(job!.spanContext().traceId);
    expect(span!.parentSpanContext?.spanId).toBe(job!.spanContext().spanId);
  });

  it('marks a Twilio call found after an ambiguous answer as reconciled', async () => {
    const sid = `CA${'1'.repeat(32)}`;
    const created = new Date(Date.now() + 1000).toUTCString();
    const call = { sid, status: 'queued', date_created: created, to: TO, from: '+15005550006' };
    const { fetch } = answering(
      () => json(504, {}),
      () => json(200, { calls: [call] }),
      () => json(200, { calls: [] }),
    );
    const client = createTwilioClient({
      accountSid: `AC${'0'.repeat(32)}`,
      authToken: 'token',
      from: '+15005550006',
      baseUrl: 'https://twilio.test',
      fetch,
    });
    await expect(client.placeCall({ to: TO })).resolves.toMatchObject({ id: sid });

    const [span] = placeSpans();
    expect(span!.attributes).toMatchObject({
      'ringkit.provider': 'twilio',
      'ringkit.placement.outcome': 'placed',
      'ringkit.call.reconciled': true,
      'ringkit.call.provider_id': sid,
    });
  });

  it('marks a Vonage call found after an ambiguous answer as reconciled', async () => {
    const uuid = '63f61863-4a51-4f6b-86e1-46edebcf9356';
    const listed = {
      uuid,
      status: 'ringing',
      direction: 'outbound',
      to: { type: 'phone', number: TO.slice(1) },
      from: { type: 'phone', number: '14155550100' },
    };
    const page = (calls: unknown[]) =>
      json(200, { count: calls.length, page_size: 100, record_index: 0, _embedded: { calls } });
    const { fetch } = answering(
      () => json(504, {}),
      () => page([listed]),
      () => page([]),
    );
    const client = createVonageClient({
      applicationId: 'app-1',
      privateKey: APPLICATION_KEYS.privateKey,
      from: '+14155550100',
      baseUrl: 'https://vonage.test',
      fetch,
    });
    await expect(client.placeCall({ to: TO })).resolves.toMatchObject({ id: uuid });

    const [span] = placeSpans();
    expect(span!.attributes).toMatchObject({
      'ringkit.provider': 'vonage',
      'server.address': 'vonage.test',
      'ringkit.placement.outcome': 'placed',
      'ringkit.call.reconciled': true,
      'ringkit.call.provider_id': uuid,
    });
    expect(attributeText(placeSpans())).not.toMatch(/4155552671/);
  });

  it('goes to a tracer passed in rather than to the global provider', async () => {
    const own = ownTracer();
    const { fetch } = answering(() => json(200, { id: 1, status: 'initiated' }));
    const client = createMockCallApiClient({
      baseUrl: 'http://calls.test',
      fetch,
      tracer: own.tracer,
    });
    await client.placeCall({ to: TO });

    expect(own.spans().map((s) => s.name)).toEqual(['ringkit.place_call']);
    expect(placeSpans()).toHaveLength(0);
    await own.close();
  });

  it('refuses a tracer that is not one', () => {
    expect(() => createMockCallApiClient({ tracer: {} as never })).toThrow(InvalidOptionsError);
  });

  it('makes no span for a read', async () => {
    const { fetch } = answering(() => json(200, { id: 1, status: 'ringing' }));
    const client = createMockCallApiClient({ baseUrl: 'http://calls.test', fetch });
    await client.getCall('1');
    expect(otel.spans()).toHaveLength(0);
  });
});
