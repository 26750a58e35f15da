import { describe, expect, it } from 'vitest';
import { event } from '../../test/telnyx-fixtures.js';
import { abandonSpokenOf, answeredCallOf, speechDue } from './_speech.js';
import { ABANDON_STATE, encodeClientState, type ClientState } from './_state.js';

const CALL = 'v3:call-1';
const SAY = 'Your appointment is tomorrow at nine.';
const plain: ClientState = { placementId: 'pl-7', say: SAY };
const detectBeep: ClientState = { placementId: 'pl-8', say: SAY, waitForGreeting: true };

/** A webhook of `type` on {@link CALL} carrying `state` (encoded) and `payload`. */
const webhook = (type: string, state: ClientState, payload: Record<string, unknown> = {}) =>
  event(type, { call_control_id: CALL, client_state: encodeClientState(state), ...payload });

describe('speechDue', () => {
  it("speaks the call's say once it is answered, with the placement's command id", () => {
    expect(speechDue(webhook('call.answered', plain))).toEqual({
      callId: CALL,
      text: SAY,
      commandId: 'speak-pl-7',
    });
  });

  it('gives a repeated delivery of the answer the same command id', () => {
    const first = webhook('call.answered', plain);
    const again = { ...first, data: { ...first.data, id: 'another-delivery' } };
    expect(speechDue(again)).toEqual(speechDue(first));
  });

  it('reads the body as a JSON string too', () => {
    expect(speechDue(JSON.stringify(webhook('call.answered', plain)))).toEqual({
      callId: CALL,
      text: SAY,
      commandId: 'speak-pl-7',
    });
  });

  it('speaks nothing for a call whose state has no say', () => {
    expect(speechDue(webhook('call.answered', { placementId: 'pl-7' }))).toBeNull();
  });

  it('speaks nothing on the other events of a call that does not wait for the greeting', () => {
    for (const [type, result] of [
      ['call.initiated', undefined],
      ['call.machine.detection.ended', 'human'],
      ['call.machine.greeting.ended', 'beep_detected'],
      ['call.hangup', undefined],
      ['call.speak.ended', undefined],
    ] as const)
      expect({ type, due: speechDue(webhook(type, plain, { result })) }).toEqual({
        type,
        due: null,
      });
  });

  describe('with waitForGreeting (detect-beep)', () => {
    it('does not speak on the answer: detection comes first', () => {
      expect(speechDue(webhook('call.answered', detectBeep))).toBeNull();
    });

    it.each([
      ['call.machine.detection.ended', 'human'],
      ['call.machine.detection.ended', 'not_sure'],
      ['call.machine.premium.detection.ended', 'human_residence'],
      ['call.machine.premium.detection.ended', 'silence'],
    ])('speaks on %s with %s: no greeting will end', (type, result) => {
      expect(speechDue(webhook(type, detectBeep, { result }))).toEqual({
        callId: CALL,
        text: SAY,
        commandId: 'speak-pl-8',
      });
    });

    it.each(['call.machine.detection.ended', 'call.machine.premium.detection.ended'])(
      'waits when %s found a machine',
      (type) => {
        expect(speechDue(webhook(type, detectBeep, { result: 'machine' }))).toBeNull();
      },
    );

    it.each(['call.machine.greeting.ended', 'call.machine.premium.greeting.ended'])(
      "speaks into the voicemail once %s: the machine's greeting is over",
      (type) => {
        expect(speechDue(webhook(type, detectBeep, { result: 'beep_detected' }))).toEqual({
          callId: CALL,
          text: SAY,
          commandId: 'speak-pl-8',
        });
      },
    );
  });

  it('speaks nothing for a state another app wrote, a garbled one, or none', () => {
    const answered = (client_state: unknown) =>
      speechDue(event('call.answered', { call_control_id: CALL, client_state }));
    expect(answered(Buffer.from('{"orderId":42,"say":"hi"}').toString('base64'))).toBeNull();
    expect(answered('%%% not base64')).toBeNull();
    expect(answered(Buffer.from('{"rk":1,').toString('base64'))).toBeNull();
    expect(answered(null)).toBeNull();
    expect(answered(undefined)).toBeNull();
  });

  it('speaks nothing for a body that is not a call event', () => {
    expect(speechDue('{"data":')).toBeNull();
    expect(speechDue('')).toBeNull();
    expect(speechDue(null)).toBeNull();
    expect(speechDue({ data: { event_type: 'call.answered' } })).toBeNull();
    const noCall = event('call.answered', { client_state: encodeClientState(plain) });
    expect(speechDue(noCall)).toBeNull();
  });
});

describe('answeredCallOf', () => {
  it('names the call of an answer or a machine detection, from a string or an object', () => {
    expect(answeredCallOf(webhook('call.answered', plain))).toBe(CALL);
    expect(answeredCallOf(JSON.stringify(webhook('call.answered', plain)))).toBe(CALL);
    expect(
      answeredCallOf(webhook('call.machine.detection.ended', plain, { result: 'human' })),
    ).toBe(CALL);
  });

  it('names no call for the other events, or a body that is no call event', () => {
    expect(answeredCallOf(webhook('call.initiated', plain))).toBeUndefined();
    expect(answeredCallOf(webhook('call.hangup', plain))).toBeUndefined();
    expect(answeredCallOf('not json')).toBeUndefined();
    expect(answeredCallOf({ data: {} })).toBeUndefined();
  });
});

describe('abandonSpokenOf', () => {
  const abandoning = (type: string) =>
    event(type, { call_control_id: CALL, client_state: ABANDON_STATE });

  it('names the call when the message of an abandoned call was spoken, from a string too', () => {
    expect(abandonSpokenOf(abandoning('call.speak.ended'))).toBe(CALL);
    expect(abandonSpokenOf(JSON.stringify(abandoning('call.speak.ended')))).toBe(CALL);
  });

  it('names none for another speech, another event of that call, or no call event', () => {
    expect(abandonSpokenOf(webhook('call.speak.ended', plain))).toBeUndefined();
    expect(abandonSpokenOf(abandoning('call.speak.started'))).toBeUndefined();
    expect(abandonSpokenOf(abandoning('call.hangup'))).toBeUndefined();
    expect(abandonSpokenOf('not json')).toBeUndefined();
    expect(abandonSpokenOf({ data: {} })).toBeUndefined();
  });
});
