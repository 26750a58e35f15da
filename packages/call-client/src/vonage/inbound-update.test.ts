import { describe, expect, it } from 'vitest';
import {
  VONAGE_APP_NUMBER,
  VONAGE_CALLER,
  vonageEvent,
} from '../../test/vonage-webhook-fixtures.js';
import { parseVonageEvent } from './event.js';
import { inboundUpdateOf } from './inbound-update.js';

/** An event of a caller's leg to the app's number, read as the webhook handler reads it. */
const inbound = (status: string, extra: Record<string, unknown> = {}) =>
  parseVonageEvent(
    vonageEvent(status, {
      from: VONAGE_CALLER,
      to: VONAGE_APP_NUMBER,
      direction: 'inbound',
      ...extra,
    }),
  )!;

describe('inboundUpdateOf', () => {
  it.each([
    ['completed', 'no-answer'],
    ['cancelled', 'canceled'],
    ['busy', 'busy'],
    ['rejected', 'busy'],
    ['timeout', 'no-answer'],
    ['unanswered', 'no-answer'],
    ['failed', 'failed'],
  ])('tells that a call to the app ended %s as %s', (word, status) => {
    const event = inbound(word);
    expect(inboundUpdateOf(event)).toEqual({
      provider: 'vonage',
      callId: event.callId,
      from: `+${VONAGE_CALLER}`,
      to: `+${VONAGE_APP_NUMBER}`,
      at: event.at,
      status,
      providerStatus: word,
      raw: event.raw,
    });
  });

  it('dates the end by end_time when the event has one', () => {
    const event = inbound('completed', {
      start_time: '2026-04-17T09:30:05Z',
      end_time: '2026-04-17T09:30:40Z',
      duration: '35',
      timestamp: '2026-04-17T09:30:41.200Z',
    });
    expect(inboundUpdateOf(event)?.at).toEqual(new Date('2026-04-17T09:30:40Z'));
  });

  it('reads a status word in any letter case', () => {
    expect(inboundUpdateOf(inbound('Cancelled'))).toMatchObject({
      status: 'canceled',
      providerStatus: 'Cancelled',
    });
  });

  it.each(['started', 'ringing', 'answered', 'human', 'machine', 'constructor', 'hasOwnProperty'])(
    'tells nothing of an inbound event that tells no end (%s)',
    (word) => {
      expect(inboundUpdateOf(inbound(word))).toBeNull();
    },
  );

  it.each([
    ['outbound', { direction: 'outbound' }],
    ['of no direction', { direction: undefined }],
  ])('tells nothing of an event of a leg that is %s', (_, extra) => {
    expect(inboundUpdateOf(inbound('completed', extra))).toBeNull();
  });

  it('keeps a caller that is not a number as Vonage wrote it', () => {
    expect(inboundUpdateOf(inbound('cancelled', { from: 'Restricted' }))).toMatchObject({
      from: 'Restricted',
    });
  });
});
