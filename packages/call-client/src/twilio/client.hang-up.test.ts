/** `cancelCall` cancels only what is not answered yet; `hangUpCall` is the explicit hang-up. */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BASE, CALL, callBody, options, SID } from '../../test/twilio-fixtures.js';
import { createCallApiMock } from '../testing/msw.js';
import { createTwilioClient } from './index.js';

const server = setupServer();

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/**
 * One Twilio call that reads `before` and answers an update with `after`, keeping every update
 * form the client sent.
 */
function oneCall(before: string, after: (form: URLSearchParams) => string) {
  const updates: string[] = [];
  server.use(
    http.get(CALL, () => HttpResponse.json(callBody(before))),
    http.post(CALL, async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      updates.push(form.toString());
      return HttpResponse.json(callBody(after(form)));
    }),
  );
  return updates;
}

describe('createTwilioClient: cancelCall and hangUpCall, request by request', () => {
  it('sends only Status=canceled when the call is answered between the request and its answer', async () => {
    // Ringing when read; answered before the cancel arrives: Twilio leaves it in progress.
    const updates = oneCall('ringing', () => 'in-progress');
    const call = await createTwilioClient(options()).cancelCall(SID);
    expect(updates).toEqual(['Status=canceled']);
    expect(call).toMatchObject({ id: SID, status: 'answered', providerStatus: 'in-progress' });
  });

  it('sends nothing to cancel a call it finds answered, and reports it answered', async () => {
    const updates = oneCall('in-progress', () => 'completed');
    const call = await createTwilioClient(options()).cancelCall(SID);
    expect(updates).toEqual([]);
    expect(call).toMatchObject({ status: 'answered', providerStatus: 'in-progress' });
  });

  it('hangs up an answered call with Status=completed', async () => {
    const updates = oneCall('in-progress', () => 'completed');
    const call = await createTwilioClient(options()).hangUpCall(SID);
    expect(updates).toEqual(['Status=completed']);
    expect(call).toMatchObject({ status: 'completed', providerStatus: 'completed' });
  });

  it.each(['cancelCall', 'hangUpCall'] as const)(
    'sends nothing from %s for a call that has ended, and returns it as it is',
    async (method) => {
      const updates = oneCall('busy', () => 'canceled');
      const call = await createTwilioClient(options())[method](SID);
      expect(updates).toEqual([]);
      expect(call).toMatchObject({ status: 'busy', providerStatus: 'busy' });
    },
  );
});

describe('createTwilioClient: cancelCall and hangUpCall against the Twilio simulator', () => {
  async function placed(knobs: { ringMs?: number; talkMs?: number; callsPerSecond?: number }) {
    const mock = createCallApiMock({ flavour: 'twilio', baseUrl: BASE, stepMs: 5, ...knobs });
    server.use(...mock.handlers);
    const client = createTwilioClient(options());
    const call = await client.placeCall({ to: '+14155552671' });
    const statusOf = async (id = call.id) => (await client.getCall(id)).status;
    return { mock, client, call, statusOf };
  }

  it('cancels a call still queued behind the account CPS', async () => {
    const { mock, client, statusOf } = await placed({ callsPerSecond: 1, ringMs: 60_000 });
    await client.placeCall({ to: '+14155552672' }); // waits a second behind the first
    const second = mock.calls()[1]!;
    expect((await client.getCall(second.id)).providerStatus).toBe('queued');
    expect(await client.cancelCall(second.id)).toMatchObject({ status: 'canceled' });
    expect(await statusOf(second.id)).toBe('canceled');
    mock.close();
  });

  it('cancels a ringing call', async () => {
    const { mock, client, call, statusOf } = await placed({ ringMs: 60_000 });
    await expect.poll(() => statusOf()).toBe('ringing');
    expect(await client.cancelCall(call.id)).toMatchObject({ status: 'canceled' });
    mock.close();
  });

  it('leaves an answered call as it is when asked to cancel it: it goes on to its end', async () => {
    const { mock, client, call, statusOf } = await placed({ talkMs: 400 });
    await expect.poll(() => statusOf()).toBe('answered');
    expect(await client.cancelCall(call.id)).toMatchObject({
      status: 'answered',
      providerStatus: 'in-progress',
    });
    await expect.poll(() => statusOf(), { timeout: 5000 }).toBe('completed');
    expect(mock.calls()[0]).toMatchObject({ status: 'completed' });
    mock.close();
  });

  it('hangs up an answered call with hangUpCall: it ends completed', async () => {
    const { mock, client, call, statusOf } = await placed({ talkMs: 60_000 });
    await expect.poll(() => statusOf()).toBe('answered');
    expect(await client.hangUpCall(call.id)).toMatchObject({ status: 'completed' });
    mock.close();
  });

  it('ends a ringing call with hangUpCall as Twilio does: canceled', async () => {
    const { mock, client, call, statusOf } = await placed({ ringMs: 60_000 });
    await expect.poll(() => statusOf()).toBe('ringing');
    expect(await client.hangUpCall(call.id)).toMatchObject({ status: 'canceled' });
    mock.close();
  });

  it('leaves an ended call as it is', async () => {
    const { mock, client, call, statusOf } = await placed({});
    await expect.poll(() => statusOf()).toBe('completed');
    expect(await client.cancelCall(call.id)).toMatchObject({ status: 'completed' });
    expect(await client.hangUpCall(call.id)).toMatchObject({ status: 'completed' });
    mock.close();
  });
});
