// What each request about an inbound call tells (its updates) and is answered with (its TwiML),
// as a pure function of the request and the policy.
import type { InboundCallUpdate, InboundPolicy } from '../inbound/inbound.js';
import { forwardTwiml, HANGUP_TWIML, rejectTwiml, voicemailTwiml } from './_twiml.js';
import type { InboundRequest } from './_voice-request.js';

/** What to tell `onUpdate`, in order, and the TwiML to answer with. */
export interface InboundAnswer {
  updates: InboundCallUpdate[];
  twiml: string;
}

/**
 * The updates and the TwiML of one request, by its step:
 * - the voice webhook: the call rings; TwiML by policy (a rejected call is also `busy`);
 * - the `<Dial>` action: a forward picked up is `completed` (with its conversation's
 *   `answeredAt` and `durationS`), one nobody took `no-answer` and the caller may leave a
 *   voicemail, a caller who hung up while it rang `canceled`;
 * - the `<Record>` action: a missed call with its voicemail, `no-answer`.
 *
 * `policy.to` is already in E.164; `provider` is the updates' (`'twilio'`, `'signalwire'`).
 */
export function answerInbound(
  request: InboundRequest,
  policy: InboundPolicy,
  actionUrl: string,
  provider: string,
): InboundAnswer {
  const { callId, from, to, at, raw } = request.call;
  const update = (
    status: InboundCallUpdate['status'],
    providerStatus: string,
  ): InboundCallUpdate => ({
    provider,
    callId,
    from,
    to,
    at,
    status,
    providerStatus,
    raw,
  });
  switch (request.step) {
    case 'call': {
      const ringing = update('ringing', request.callStatus);
      if (policy.action === 'reject') {
        const busy = update('busy', 'rejected');
        return { updates: [ringing, busy], twiml: rejectTwiml(policy.reason) };
      }
      const twiml =
        policy.action === 'forward'
          ? forwardTwiml(actionUrl, policy.to, policy.ringS)
          : voicemailTwiml(actionUrl, policy.message, policy.maxRecordingS);
      return { updates: [ringing], twiml };
    }
    case 'dial': {
      const { dialCallStatus: word, dialCallDurationS: durationS } = request;
      if (word === 'completed' || word === 'answered') {
        const talked = update('completed', word);
        if (durationS !== undefined) {
          talked.answeredAt = new Date(at.getTime() - durationS * 1000);
          talked.durationS = durationS;
        }
        return { updates: [talked], twiml: HANGUP_TWIML };
      }
      if (word === 'canceled') return { updates: [update('canceled', word)], twiml: HANGUP_TWIML };
      // A forward nobody took: the caller may still leave a voicemail.
      const missed = update('no-answer', word);
      const twiml =
        policy.action === 'reject'
          ? HANGUP_TWIML // The policy changed since the call was forwarded: nothing to say.
          : voicemailTwiml(actionUrl, policy.message, policy.maxRecordingS);
      return { updates: [missed], twiml };
    }
    case 'voicemail': {
      const voicemail = update('no-answer', 'voicemail');
      if (request.recordingUrl !== undefined) voicemail.recordingUrl = request.recordingUrl;
      if (request.recordingDurationS !== undefined)
        voicemail.recordingDurationS = request.recordingDurationS;
      return { updates: [voicemail], twiml: HANGUP_TWIML };
    }
  }
}
