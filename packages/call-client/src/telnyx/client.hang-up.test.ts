import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isHttpError } from '../errors/errors.js';
import { encodeClientState } from './_state.js';
import { createTelnyxClient } from './index.js';

const BASE = 'https://api.telnyx.test';
const ID = 'v3:call-1';
const CALL = `${BASE}/v2/calls/${encodeURIComponent(ID)}`;

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const telnyx = () =>
  createTelnyxClient({
    apiKey: 'KEY',
    connectionId: 'conn-1',
    from: '+14155550100',
    baseUrl: BASE,
    voice: 'AWS.Polly.Joanna-Neural',
    language: 'en-GB',
    retry: { limit: 1, baseDelayMs: 0 },
  });

/** A call that Telnyx reports alive or not, with this many seconds of talk. */
function callIs(alive: boolean, duration: number) {
  server.use(
    http.get(CALL, () =>
      HttpResponse.json({
        data: {
          call_control_id: ID,
          is_alive: alive,
          call_duration: duration,
          record_type: 'call',
        },
      }),
    ),
  );
}

function captureCommands() {
  const sent: Array<{ action: string; body: Record<string, unknown> }> = [];
  server.use(
    http.post(`${CALL}/actions/:action`, async ({ request, params }) => {
      sent.push({
        action: String(params.action),
        body: (await request.json()) as Record<string, unknown>,
      });
      return HttpResponse.json({ data: { result: 'ok' } });
    }),
  );
  return sent;
}

describe('getCall', () => {
  it.each([
    [true, 0, 'initiated', 'alive'],
    [true, 4, 'answered', 'alive'],
    [false, 12, 'completed', 'ended'],
    [false, 0, 'failed', 'ended'],
  ] as const)(
    'reads a call alive=%s with %is of talk as %s',
    async (alive, duration, status, word) => {
      callIs(alive, duration);
      expect(await telnyx().getCall(ID)).toMatchObject({ id: ID, status, providerStatus: word });
    },
  );

  it('answers a call Telnyx no longer knows with its 404', async () => {
    server.use(
      http.get(CALL, () =>
        HttpResponse.json(
          { errors: [{ code: '90015', title: 'Call not found' }] },
          { status: 404 },
        ),
      ),
    );
    const error = await telnyx()
      .getCall(ID)
      .catch((e: unknown) => e);
    expect(isHttpError(error) && error.status).toBe(404);
  });
});

describe('cancelCall and hangUpCall', () => {
  it('cancels a call not answered yet with actions/hangup: it ends canceled', async () => {
    callIs(true, 0);
    const sent = captureCommands();
    expect(await telnyx().cancelCall(ID)).toMatchObject({
      status: 'canceled',
      providerStatus: 'originator_cancel',
    });
    expect(sent.map((s) => s.action)).toEqual(['hangup']);
  });

  it('leaves an answered call to go on when asked to cancel it: nothing is sent', async () => {
    callIs(true, 3);
    const sent = captureCommands();
    expect((await telnyx().cancelCall(ID)).status).toBe('answered');
    expect(sent).toEqual([]);
  });

  it('leaves a call it saw answered by webhook alone, though Telnyx counts no whole second of talk yet', async () => {
    callIs(true, 0);
    const sent = captureCommands();
    const provider = telnyx();
    const answered = envelope('call.answered', { call_control_id: ID });
    expect(await provider.actOnWebhook(answered)).toBeNull();
    expect((await provider.cancelCall(ID)).status).toBe('answered');
    expect(sent).toEqual([]);
  });

  it('hangs up an answered call: it ends completed', async () => {
    callIs(true, 3);
    const sent = captureCommands();
    expect(await telnyx().hangUpCall(ID)).toMatchObject({
      status: 'completed',
      providerStatus: 'normal_clearing',
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body.command_id).toBe(`hangup-${ID}`);
  });

  it('leaves an ended call as it is, sending nothing', async () => {
    callIs(false, 0);
    const sent = captureCommands();
    const provider = telnyx();
    expect((await provider.cancelCall(ID)).providerStatus).toBe('ended');
    expect((await provider.hangUpCall(ID)).providerStatus).toBe('ended');
    expect(sent).toEqual([]);
  });

  it('reads the call back when it ended between the look-up and the hang-up (90018)', async () => {
    let reads = 0;
    server.use(
      http.get(CALL, () => {
        reads += 1;
        return HttpResponse.json({
          data: { call_control_id: ID, is_alive: reads === 1, call_duration: 9 },
        });
      }),
      http.post(`${CALL}/actions/hangup`, () =>
        HttpResponse.json(
          { errors: [{ code: '90018', title: 'Call has already ended' }] },
          { status: 422 },
        ),
      ),
    );
    expect(await telnyx().hangUpCall(ID)).toMatchObject({
      status: 'completed',
      providerStatus: 'ended',
    });
    expect(reads).toBe(2);
  });
});

const envelope = (event_type: string, payload: object) => ({
  data: {
    record_type: 'event',
    event_type,
    id: 'e1',
    occurred_at: '2026-11-25T10:00:00.000Z',
    payload,
  },
  meta: { attempt: 1 },
});

describe('speak and actOnWebhook', () => {
  it('speaks text with the client voice and language, and a command_id when given', async () => {
    const sent = captureCommands();
    await telnyx().speak(ID, 'Hello there', { commandId: 'c-1' });
    expect(sent).toEqual([
      {
        action: 'speak',
        body: {
          payload: 'Hello there',
          payload_type: 'text',
          voice: 'AWS.Polly.Joanna-Neural',
          language: 'en-GB',
          command_id: 'c-1',
        },
      },
    ]);
  });

  it("speaks a call's say once it is answered, with the same command_id for every delivery", async () => {
    const sent = captureCommands();
    const client_state = encodeClientState({ placementId: 'p-1', say: 'Your table is ready.' });
    const provider = telnyx();
    const answered = envelope('call.answered', { call_control_id: ID, client_state });
    expect(await provider.actOnWebhook(answered)).toBe('spoke');
    expect(await provider.actOnWebhook(JSON.stringify(answered))).toBe('spoke');
    expect(sent.map((s) => s.body.command_id)).toEqual(['speak-p-1', 'speak-p-1']);
    expect(sent[0]!.body.payload).toBe('Your table is ready.');
  });

  it('does nothing for calls without say, other apps calls, and other events', async () => {
    const sent = captureCommands();
    const provider = telnyx();
    const bare = encodeClientState({ placementId: 'p-2' });
    const withSay = encodeClientState({ placementId: 'p-3', say: 'Hi' });
    for (const body of [
      envelope('call.answered', { call_control_id: ID, client_state: bare }),
      envelope('call.answered', { call_control_id: ID, client_state: 'aGVsbG8=' }),
      envelope('call.answered', { call_control_id: ID }),
      envelope('call.initiated', { call_control_id: ID, client_state: withSay }),
      envelope('call.hangup', { call_control_id: ID, client_state: withSay }),
      'not json',
      { nothing: true },
    ])
      expect(await provider.actOnWebhook(body)).toBeNull();
    expect(sent).toEqual([]);
  });

  it('with detect-beep, speaks once the greeting ends, or at once to a person', async () => {
    const sent = captureCommands();
    const provider = telnyx();
    const client_state = encodeClientState({
      placementId: 'p-4',
      say: 'Message',
      waitForGreeting: true,
    });
    const on = (type: string, result?: string) =>
      provider.actOnWebhook(
        envelope(type, { call_control_id: ID, client_state, ...(result && { result }) }),
      );
    expect(await on('call.answered')).toBeNull();
    expect(await on('call.machine.detection.ended', 'machine')).toBeNull();
    expect(await on('call.machine.greeting.ended', 'beep_detected')).toBe('spoke');
    expect(await on('call.machine.detection.ended', 'human')).toBe('spoke');
    expect(sent).toHaveLength(2);
  });

  it('treats a call that ended before it could be spoken to as nothing to do', async () => {
    server.use(
      http.post(`${CALL}/actions/speak`, () =>
        HttpResponse.json(
          { errors: [{ code: '90018', title: 'Call has already ended' }] },
          { status: 422 },
        ),
      ),
    );
    const client_state = encodeClientState({ placementId: 'p-5', say: 'Hi' });
    expect(
      await telnyx().actOnWebhook(envelope('call.answered', { call_control_id: ID, client_state })),
    ).toBeNull();
  });

  it('fails when speaking fails otherwise, so the webhook is sent again', async () => {
    server.use(
      http.post(`${CALL}/actions/speak`, () =>
        HttpResponse.json(
          { errors: [{ code: '10007', title: 'Unexpected error' }] },
          { status: 500 },
        ),
      ),
    );
    const client_state = encodeClientState({ placementId: 'p-6', say: 'Hi' });
    const error = await telnyx()
      .actOnWebhook(envelope('call.answered', { call_control_id: ID, client_state }))
      .catch((e: unknown) => e);
    expect(isHttpError(error) && error.status).toBe(500);
  });
});
