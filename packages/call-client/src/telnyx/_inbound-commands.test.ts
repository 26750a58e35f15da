import { describe, expect, it } from 'vitest';
import { event } from '../../test/telnyx-fixtures.js';
import type { InboundPolicy } from '../inbound/inbound.js';
import { inboundCommandDue, inboundSettingsOf } from './_inbound-commands.js';
import { readInboundEvent } from './_inbound-event.js';
import { encodeInboundState, type InboundState } from './_state.js';

const CALLER = 'v3:caller-leg';
const FORWARDING: InboundPolicy = {
  action: 'forward',
  to: '415 555 0123',
  ringS: 20,
  message: 'Please leave a message.',
};
const settings = (policy: InboundPolicy = FORWARDING) =>
  inboundSettingsOf(policy, { defaultCountry: 'US', voice: 'male', language: 'en-GB' });
const state = (more: Partial<InboundState> = {}): InboundState => ({
  callId: CALLER,
  from: '+14155552671',
  to: '+14155550100',
  step: 'forward',
  ...more,
});

/** The command `type` on `leg`, carrying `withState`, makes due under `policy`. */
function due(
  type: string,
  withState: InboundState | undefined,
  payload: Record<string, unknown> = {},
  { leg = CALLER, policy = FORWARDING }: { leg?: string; policy?: InboundPolicy } = {},
) {
  const body = event(type, {
    call_control_id: leg,
    ...(withState && { client_state: encodeInboundState(withState) }),
    ...payload,
  });
  return inboundCommandDue(readInboundEvent(body)!, settings(policy));
}

describe('inboundCommandDue', () => {
  it('normalises the forward number once, when the client is created', () => {
    expect(settings().policy).toMatchObject({ to: '+14155550123' });
    expect(due('call.initiated', undefined, { direction: 'incoming' })?.body.to).toBe(
      '+14155550123',
    );
  });

  it.each(['normal_clearing', 'time_limit', 'originator_cancel'])(
    'does nothing when the forward’s leg ends %s: someone took it, or the caller left',
    (cause) => {
      expect(due('call.hangup', state(), { hangup_cause: cause }, { leg: 'v3:b' })).toBeNull();
    },
  );

  it('answers the caller’s leg, not the forward’s, when nobody took the forward', () => {
    expect(due('call.hangup', state(), { hangup_cause: 'timeout' }, { leg: 'v3:b' })).toMatchObject(
      { callId: CALLER, action: 'answer', method: 'post' },
    );
  });

  it('does nothing on the other events of the forward’s leg', () => {
    for (const type of ['call.initiated', 'call.answered', 'call.bridged', 'call.speak.ended'])
      expect(due(type, state(), { direction: 'outgoing' }, { leg: 'v3:b' })).toBeNull();
  });

  it('notes a pick-up once: a state that has it needs nothing more', () => {
    expect(due('call.bridged', state())).toMatchObject({
      action: 'client_state_update',
      method: 'put',
    });
    expect(due('call.bridged', state({ bridgedAtMs: 1 }))).toBeNull();
    expect(due('call.bridged', state({ step: 'voicemail' }))).toBeNull();
  });

  it('does not speak or record on a forward still ringing', () => {
    expect(due('call.answered', state())).toBeNull();
    expect(due('call.speak.ended', state(), { status: 'completed' })).toBeNull();
  });

  it('speaks with the client voice and language', () => {
    expect(due('call.answered', state({ step: 'voicemail' }))?.body).toMatchObject({
      voice: 'male',
      language: 'en-GB',
    });
  });

  it('leaves a voicemail under way alone when this worker’s policy rejects calls', () => {
    const reject: InboundPolicy = { action: 'reject', reason: 'busy' };
    const voicemail = state({ step: 'voicemail' });
    expect(due('call.answered', voicemail, {}, { policy: reject })).toBeNull();
    expect(
      due('call.hangup', state(), { hangup_cause: 'timeout' }, { leg: 'v3:b', policy: reject }),
    ).toBeNull();
  });

  it('does nothing on the call of a rejected call, nor for an outgoing call.initiated', () => {
    expect(due('call.hangup', state({ step: 'reject' }), { hangup_cause: 'user_busy' })).toBeNull();
    expect(readInboundEvent(event('call.initiated', { call_control_id: 'v3:x' }))).toBeUndefined();
  });

  it('keeps command ids within 256 characters for the longest call ids', () => {
    const long = `v3:${'x'.repeat(500)}`;
    const command = due('call.initiated', undefined, { direction: 'incoming' }, { leg: long });
    expect(command?.callId).toBe(long);
    expect(String(command?.body.command_id)).toHaveLength(256);
  });
});
