import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { authToken, inboundParams, readXml } from '../../test/twilio-fixtures.js';
import type { InboundPolicy } from '../inbound/inbound.js';
import { createTwilioVoiceHandler } from './voice.js';

// Every TwiML document the voice handler answers with, read as XML and compared with the one the
// official twilio package's VoiceResponse builds for the same answer.

const ACTION = 'https://app.example/webhooks/twilio/voice';

/** TwiML as twilio-node's `twiml.VoiceResponse` writes it. */
function official(build: (response: twilio.twiml.VoiceResponse) => void): string {
  const response = new twilio.twiml.VoiceResponse();
  build(response);
  return response.toString();
}

/** The TwiML a handler with `policy` answers `params` with, signed for `url`. */
async function twimlOf(
  policy: InboundPolicy,
  params: Record<string, string> = inboundParams(),
  url = ACTION,
  actionUrl = ACTION,
) {
  const handle = createTwilioVoiceHandler({ authToken, policy, actionUrl, onUpdate: () => {} });
  const signature = twilio.getExpectedTwilioSignature(authToken, url, params);
  const answer = await handle({ url, params, signature });
  if (answer.status !== 200) throw new Error(`answered ${answer.status}`);
  return answer.twiml;
}

const voicemail = { action: 'voicemail', message: 'Please leave a message.' } as const;
const forward = {
  action: 'forward',
  to: '(415) 555-0123',
  ringS: 20,
  message: 'Nobody is free. Please leave a message.',
} as const;

describe('the TwiML of createTwilioVoiceHandler', () => {
  it('speaks the message and records a voicemail of at most DEFAULT_MAX_RECORDING_S', async () => {
    const twiml = await twimlOf(voicemail);
    expect(twiml).toBe(
      `<Response><Say>Please leave a message.</Say><Record action="${ACTION}?step=voicemail" method="POST" maxLength="120" playBeep="true"/></Response>`,
    );
    const expected = official((r) => {
      r.say('Please leave a message.');
      r.record({
        action: `${ACTION}?step=voicemail`,
        method: 'POST',
        maxLength: 120,
        playBeep: true,
      });
    });
    expect(readXml(twiml)).toEqual(readXml(expected));
  });

  it('records at most the policy’s maxRecordingS', async () => {
    const twiml = await twimlOf({ ...voicemail, maxRecordingS: 30 });
    expect(readXml(twiml).children[1]).toMatchObject({
      name: 'Record',
      attributes: { maxLength: '30' },
    });
  });

  it('escapes the message’s XML characters, reading as the same text twilio-node writes', async () => {
    const message = `Tom & Jerry's <"shop"> is closed`;
    const twiml = await twimlOf({ ...voicemail, message });
    expect(twiml).toContain('Tom &amp; Jerry&apos;s &lt;&quot;shop&quot;&gt; is closed');
    const expected = official((r) => {
      r.say(message);
      r.record({
        action: `${ACTION}?step=voicemail`,
        method: 'POST',
        maxLength: 120,
        playBeep: true,
      });
    });
    expect(readXml(twiml)).toEqual(readXml(expected));
  });

  it('forwards to the policy’s number in E.164 for ringS seconds, its outcome POSTed to step=dial', async () => {
    const twiml = await twimlOf(forward);
    expect(twiml).toBe(
      `<Response><Dial action="${ACTION}?step=dial" method="POST" timeout="20">+14155550123</Dial></Response>`,
    );
    const expected = official((r) => {
      r.dial({ action: `${ACTION}?step=dial`, method: 'POST', timeout: 20 }, '+14155550123');
    });
    expect(readXml(twiml)).toEqual(readXml(expected));
  });

  it.each(['busy', 'rejected'] as const)('rejects a call with reason="%s"', async (reason) => {
    const twiml = await twimlOf({ action: 'reject', reason });
    expect(twiml).toBe(`<Response><Reject reason="${reason}"/></Response>`);
    expect(readXml(twiml)).toEqual(readXml(official((r) => r.reject({ reason }))));
  });

  it('appends step with & to an actionUrl that has a query, escaped in the attribute', async () => {
    const actionUrl = `${ACTION}?tenant=a`;
    const twiml = await twimlOf(voicemail, inboundParams(), actionUrl, actionUrl);
    expect(twiml).toContain(`action="${ACTION}?tenant=a&amp;step=voicemail"`);
    expect(readXml(twiml).children[1]).toMatchObject({
      attributes: { action: `${ACTION}?tenant=a&step=voicemail` },
    });
  });

  it('after a forward nobody took, speaks the message and records, as the voicemail policy does', async () => {
    const url = `${ACTION}?step=dial`;
    const params = inboundParams({ CallStatus: 'in-progress', DialCallStatus: 'no-answer' });
    const twiml = await twimlOf(forward, params, url);
    const expected = official((r) => {
      r.say(forward.message);
      r.record({
        action: `${ACTION}?step=voicemail`,
        method: 'POST',
        maxLength: 120,
        playBeep: true,
      });
    });
    expect(readXml(twiml)).toEqual(readXml(expected));
  });

  it.each([
    ['a forward picked up', 'step=dial', { DialCallStatus: 'completed', DialCallDuration: '42' }],
    ['a caller who hung up while the forward rang', 'step=dial', { DialCallStatus: 'canceled' }],
    ['a recorded voicemail', 'step=voicemail', { RecordingDuration: '9' }],
  ])('hangs up after %s', async (_, step, extra) => {
    const twiml = await twimlOf(forward, inboundParams(extra), `${ACTION}?${step}`);
    expect(twiml).toBe('<Response><Hangup/></Response>');
    expect(readXml(twiml)).toEqual(readXml(official((r) => r.hangup())));
  });
});

describe('readXml, the tests’ XML check', () => {
  it.each([
    ['a bare &', '<Response><Say>Tom & Jerry</Say></Response>'],
    ['a bare <', '<Response><Say>a < b</Say></Response>'],
    ['a tag closed by another', '<Response><Say>hi</Response></Say>'],
    ['an unclosed element', '<Response><Say>hi</Say>'],
    ['an unquoted attribute', '<Response><Reject reason=busy/></Response>'],
    ['a repeated attribute', '<Response><Reject reason="busy" reason="rejected"/></Response>'],
    ['two roots', '<Response/><Response/>'],
    ['an unknown entity', '<Response><Say>&nbsp;</Say></Response>'],
  ])('refuses %s', (_, xml) => {
    expect(() => readXml(xml)).toThrow(/Not well-formed XML/);
  });

  it('reads entities and character references as their characters', () => {
    expect(readXml(`<?xml version="1.0"?><a b='&lt;&#38;'>&quot;&#x41;&apos;</a>`)).toEqual({
      name: 'a',
      attributes: { b: '<&' },
      children: [`"A'`],
    });
  });
});
