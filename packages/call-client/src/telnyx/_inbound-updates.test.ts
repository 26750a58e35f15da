import { describe, expect, it } from 'vitest';
import { event } from '../../test/telnyx-fixtures.js';
import { readInboundEvent } from './_inbound-event.js';
import { inboundUpdateOf } from './_inbound-updates.js';
import { encodeClientState, encodeInboundState, type InboundState } from './_state.js';

const CALLER = 'v3:caller-leg';
const AT = '2026-11-25T10:01:00.000Z';
const state = (more: Partial<InboundState> = {}): InboundState => ({
  callId: CALLER,
  from: '+14155552671',
  to: '+14155550100',
  step: 'voicemail',
  ...more,
});

/** The update of `type` on `leg` carrying `withState` (encoded), with `payload` added. */
function update(
  type: string,
  withState: InboundState | undefined,
  payload: Record<string, unknown> = {},
  leg: string | null = CALLER,
) {
  const body = event(
    type,
    {
      ...(leg === null ? {} : { call_control_id: leg }),
      ...(withState && { client_state: encodeInboundState(withState) }),
      ...payload,
    },
    { occurredAt: AT },
  );
  const read = readInboundEvent(body);
  return read && inboundUpdateOf(read);
}

describe('inboundUpdateOf', () => {
  it.each([
    ['normal_clearing', 'failed'],
    ['originator_cancel', 'canceled'],
    ['call_rejected', 'busy'],
    ['timeout', 'failed'],
  ])('reads the hang-up %s of an incoming call no command reached as %s', (cause, status) => {
    expect(
      update('call.hangup', undefined, { direction: 'incoming', hangup_cause: cause }),
    ).toMatchObject({ status, providerStatus: cause, callId: CALLER });
  });

  it.each([
    ['voicemail', 'originator_cancel', 'canceled'],
    ['voicemail', 'time_limit', 'no-answer'],
    ['voicemail', 'unspecified', 'no-answer'],
    ['reject', 'normal_clearing', 'busy'],
    ['forward', 'timeout', 'failed'],
    ['forward', 'not_found', 'failed'],
  ] as const)('reads the hang-up of a %s ending %s as %s', (step, cause, status) => {
    expect(update('call.hangup', state({ step }), { hangup_cause: cause })).toMatchObject({
      status,
      providerStatus: cause,
    });
  });

  it('reads a hang-up without a cause as unspecified', () => {
    expect(update('call.hangup', state())).toMatchObject({
      status: 'no-answer',
      providerStatus: 'unspecified',
    });
  });

  it('reads a forward that ended a conversation before its pick-up was noted as completed, without a length', () => {
    const ended = update('call.hangup', state({ step: 'forward' }), {
      hangup_cause: 'normal_clearing',
    });
    expect(ended).toMatchObject({ status: 'completed', providerStatus: 'normal_clearing' });
    expect(ended).not.toHaveProperty('durationS');
    expect(ended).not.toHaveProperty('answeredAt');
  });

  it('counts a forwarded conversation from the pick-up to the hang-up, whatever its cause', () => {
    const bridgedAtMs = Date.parse(AT) - 90_600;
    expect(
      update('call.hangup', state({ step: 'forward', bridgedAtMs }), {
        hangup_cause: 'time_limit',
      }),
    ).toMatchObject({
      status: 'completed',
      providerStatus: 'time_limit',
      answeredAt: new Date(bridgedAtMs),
      durationS: 91,
    });
  });

  it('takes the public mp3 URL, else the mp3 URL, and the length from the recording times', () => {
    const times = {
      recording_started_at: '2026-11-25T10:00:10.000Z',
      recording_ended_at: '2026-11-25T10:00:52.400Z',
    };
    const both = {
      public_recording_urls: { mp3: 'https://public.example/a.mp3', wav: null },
      recording_urls: { mp3: 'https://signed.example/a.mp3' },
    };
    expect(update('call.recording.saved', state(), { ...both, ...times }, null)).toMatchObject({
      status: 'no-answer',
      providerStatus: 'call.recording.saved',
      recordingUrl: 'https://public.example/a.mp3',
      recordingDurationS: 42,
      callId: CALLER,
      from: '+14155552671',
      to: '+14155550100',
    });
    expect(
      update('call.recording.saved', state(), {
        public_recording_urls: { mp3: null },
        recording_urls: { mp3: 'https://signed.example/a.mp3' },
      }),
    ).toMatchObject({ recordingUrl: 'https://signed.example/a.mp3' });
  });

  it('leaves out a recording URL or length Telnyx did not give, or gave garbled', () => {
    for (const payload of [
      {},
      { recording_urls: { mp3: null }, public_recording_urls: {} },
      { recording_urls: 'nope', recording_started_at: 'x', recording_ended_at: AT },
      {
        recording_started_at: '2026-11-25T10:00:52.000Z',
        recording_ended_at: '2026-11-25T10:00:10.000Z',
      },
    ]) {
      const saved = update('call.recording.saved', state(), payload);
      expect(saved).toMatchObject({ status: 'no-answer' });
      expect(saved).not.toHaveProperty('recordingUrl');
      expect(saved).not.toHaveProperty('recordingDurationS');
    }
  });

  it("reports nothing for a recording of a call that is no voicemail's", () => {
    expect(update('call.recording.saved', state({ step: 'forward' }))).toBeNull();
  });

  it('reports nothing of its own for any event of the forward’s leg', () => {
    const forward = state({ step: 'forward' });
    for (const type of ['call.initiated', 'call.answered', 'call.bridged', 'call.hangup'])
      expect(
        update(type, forward, { direction: 'outgoing', hangup_cause: 'timeout' }, 'v3:b-leg'),
      ).toBeNull();
  });

  it('reports nothing for the app’s own answer, speech and recording start', () => {
    for (const type of [
      'call.answered',
      'call.speak.started',
      'call.speak.ended',
      'call.recording.started',
      'call.bridged',
    ])
      expect(update(type, state())).toBeNull();
  });

  it('dates an update at occurred_at, else at the time given', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const body = event(
      'call.initiated',
      { call_control_id: CALLER, direction: 'incoming' },
      { occurredAt: null },
    );
    expect(inboundUpdateOf(readInboundEvent(body, { now })!)?.at).toEqual(now);
    expect(update('call.initiated', undefined, { direction: 'incoming' })?.at).toEqual(
      new Date(AT),
    );
  });
});

describe('readInboundEvent', () => {
  it("reads no inbound call in a dialled call's webhook, another app's, or no call event", () => {
    const dialled = encodeClientState({ placementId: 'pl-1', say: 'Hi' });
    for (const body of [
      event('call.initiated', { call_control_id: 'v3:x', direction: 'outgoing' }),
      event('call.answered', { call_control_id: 'v3:x', client_state: dialled }),
      event('call.hangup', { call_control_id: 'v3:x', client_state: 'aGVsbG8=' }),
      event('call.initiated', { direction: 'incoming' }),
      'not json',
      { data: {} },
      null,
    ])
      expect(readInboundEvent(body)).toBeUndefined();
  });

  it('reads the JSON text as the parsed body, and names the caller’s leg on the forward’s', () => {
    const body = event('call.hangup', {
      call_control_id: 'v3:b-leg',
      from: '+14155550100',
      to: '+14155550123',
      client_state: encodeInboundState(state({ step: 'forward' })),
    });
    expect(readInboundEvent(JSON.stringify(body))).toEqual(readInboundEvent(body));
    expect(readInboundEvent(body)).toMatchObject({
      callId: CALLER,
      forwardLeg: true,
      from: '+14155552671',
      to: '+14155550100',
    });
  });
});
