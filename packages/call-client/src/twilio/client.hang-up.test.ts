/** `cancelCall` cancels only what is not answered yet; `hangUpCall` is the explicit hang-up. */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CALL, callBody, options, SID } from '../../test/twilio-fixtures.js';
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
