import { describe, expect, it, vi } from 'vitest';
import { TelnyxWebhook } from 'telnyx/lib/webhooks';
import {
  ISO_DATE,
  statusEvents,
  useCleanup,
  WAIT,
  type Harness,
} from './simulator-suite-helpers.js';
import {
  command,
  connectionId,
  dial,
  FROM,
  STATE,
  telnyxStarters,
  TO,
} from './simulator-suite-telnyx-helpers.js';

const NEW_STATE = Buffer.from('after').toString('base64');

/** The Telnyx flavour's calls: their webhooks, the hangup and speak commands, the webhook quirks. */
export function describeTelnyxCalls(harness: Harness): void {
  describe(`${harness.name}, telnyx flavour, calls`, () => {
    const { start, receiver } = telnyxStarters(harness, useCleanup());

    it('sends signed webhooks initiated, answered, hangup, each with the client_state', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: [5, 15] });
      const { body } = await dial(sim.url, { webhook_url: hooks.url, client_state: STATE });
      const id = body.data.call_control_id;
      await vi.waitFor(() => expect(hooks.received).toHaveLength(3), WAIT);
      expect(hooks.types()).toEqual(['call.initiated', 'call.answered', 'call.hangup']);
      const verifier = new TelnyxWebhook(sim.publicKey!);
      for (const hook of hooks.received) {
        await verifier.verify(hook.rawBody, hook.headers);
        expect(hook.headers['content-type']).toBe('application/json');
        expect(hook.event).toEqual({
          data: {
            record_type: 'event',
            event_type: expect.any(String),
            id: expect.stringMatching(/^[0-9a-f-]{36}$/),
            occurred_at: expect.stringMatching(ISO_DATE),
            payload: expect.objectContaining({
              call_control_id: id,
              call_leg_id: body.data.call_leg_id,
              call_session_id: body.data.call_session_id,
              connection_id: connectionId,
              client_state: STATE,
              from: FROM,
              to: TO,
            }),
          },
          meta: { attempt: 1, delivered_to: hooks.url },
        });
      }
      const [initiated, answered, hangup] = hooks.received.map((r) => r.event.data.payload);
      expect(initiated).toMatchObject({ direction: 'outgoing', state: 'bridging' });
      expect(initiated?.start_time).toMatch(ISO_DATE);
      expect(answered).toMatchObject({ state: 'answered' });
      expect(hangup).toMatchObject({
        hangup_cause: 'normal_clearing',
        hangup_source: 'callee',
        sip_hangup_cause: '200',
        state: 'hangup',
        call_quality_stats: null,
      });
      expect(statusEvents(sim.events, id)).toEqual([
        'initiated',
        'answered',
        'hangup:normal_clearing',
      ]);
      const sent = sim.events.flatMap((e) => (e.type === 'webhook_sent' ? [e.status] : []));
      expect(sent).toEqual(['call.initiated', 'call.answered', 'call.hangup']);
    });

    it.each([
      ['busy', 'user_busy', '486'],
      ['no-answer', 'timeout', '480'],
      ['failed', 'unspecified', '503'],
    ] as const)(
      'ends a %s call with call.hangup %s (SIP %s), never answered',
      async (outcome, cause, sip) => {
        const hooks = await receiver();
        const sim = await start({ stepMs: 5, outcomes: { [outcome]: 1 } });
        await dial(sim.url, { webhook_url: hooks.url });
        await vi.waitFor(() => expect(hooks.received).toHaveLength(2), WAIT);
        expect(hooks.types()).toEqual(['call.initiated', 'call.hangup']);
        expect(hooks.received[1]?.event.data.payload).toMatchObject({
          hangup_cause: cause,
          sip_hangup_cause: sip,
          state: 'hangup',
        });
        expect(sim.calls()[0]).toMatchObject({ status: `hangup:${cause}`, hangupCause: cause });
      },
    );

    it('sends no webhook for a call dialed without a webhook_url', async () => {
      const sim = await start({ stepMs: 1 });
      await dial(sim.url);
      await vi.waitFor(() => expect(sim.calls()[0]?.hangupCause).toBe('normal_clearing'), WAIT);
      expect(sim.events.some((e) => e.type === 'webhook_sent')).toBe(false);
    });

    it('hangs up a ringing call as originator_cancel and an answered one as normal_clearing', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, ringMs: 20_000, talkMs: 60_000 });
      const ringing = (await dial(sim.url, { webhook_url: hooks.url })).body.data.call_control_id;
      await vi.waitFor(() => expect(hooks.types(ringing)).toEqual(['call.initiated']), WAIT);
      const hungUp = await command(sim.url, ringing, 'hangup', { client_state: NEW_STATE });
      expect([hungUp.status, hungUp.body]).toEqual([200, { data: { result: 'ok' } }]);
      await vi.waitFor(() => expect(hooks.types(ringing)).toHaveLength(2), WAIT);
      expect(hooks.received[1]?.event.data.payload).toMatchObject({
        hangup_cause: 'originator_cancel',
        hangup_source: 'caller',
        client_state: NEW_STATE,
      });
      const again = await command(sim.url, ringing, 'hangup');
      expect([again.status, again.body.errors]).toEqual([
        422,
        [
          {
            code: '90018',
            title: 'Call has already ended',
            detail: "This call is no longer active and can't receive commands.",
          },
        ],
      ]);
      const quick = await start({ stepMs: 5, talkMs: 60_000 });
      const answered = (await dial(quick.url)).body.data.call_control_id;
      await vi.waitFor(() => expect(quick.calls()[0]?.status).toBe('answered'), WAIT);
      expect((await command(quick.url, answered, 'hangup', { command_id: 'bye' })).status).toBe(
        200,
      );
      expect(quick.calls()[0]).toMatchObject({ status: 'hangup:normal_clearing' });
      const repeated = await command(quick.url, answered, 'hangup', { command_id: 'bye' });
      expect([repeated.status, repeated.body]).toEqual([200, { data: { result: 'ok' } }]);
    });

    it('speaks on an answered call only, once per command_id, with the client_state it sets', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, ringMs: 500, talkMs: 60_000 });
      const id = (await dial(sim.url, { webhook_url: hooks.url, client_state: STATE })).body.data
        .call_control_id;
      const speak = { payload: 'Your appointment is at 9:30.', voice: 'female', command_id: 's1' };
      const early = await command(sim.url, id, 'speak', speak);
      expect([early.status, early.body.errors[0].code]).toEqual([422, '90034']);
      await vi.waitFor(() => expect(sim.calls()[0]?.status).toBe('answered'), WAIT);
      const spoken = await command(sim.url, id, 'speak', { ...speak, client_state: NEW_STATE });
      expect([spoken.status, spoken.body]).toEqual([200, { data: { result: 'ok' } }]);
      expect((await command(sim.url, id, 'speak', speak)).status).toBe(200);
      await vi.waitFor(() => expect(hooks.types()).toContain('call.speak.ended'), WAIT);
      expect(sim.calls()[0]).toMatchObject({ spoken: [speak.payload], clientState: NEW_STATE });
      const speakHooks = hooks.received.filter((r) =>
        r.event.data.event_type.startsWith('call.speak'),
      );
      expect(speakHooks.map((r) => r.event.data.payload)).toEqual([
        expect.objectContaining({ call_control_id: id, client_state: NEW_STATE }),
        expect.objectContaining({ status: 'completed', client_state: NEW_STATE }),
      ]);
      for (const [body, code] of [
        [{ voice: 'female' }, '10004'],
        [{ payload: 'hi' }, '10004'],
        [{ payload: 'x'.repeat(3001), voice: 'female' }, '10015'],
        [{ payload: 'hi', voice: 'female', payload_type: 'html' }, '10015'],
        [{ payload: 'hi', voice: 'female', volume: 11 }, '10015'],
      ] as const) {
        const refused = await command(sim.url, id, 'speak', body);
        expect([refused.status, refused.body.errors[0].code], JSON.stringify(body)).toEqual([
          422,
          code,
        ]);
      }
      expect(sim.calls()[0]?.spoken).toHaveLength(1);
    });

    it('delivers duplicates with the same id and attempt 2, and call.answered after call.hangup', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, duplicateWebhookRate: 1, outOfOrderRate: 1 });
      await dial(sim.url, { webhook_url: hooks.url });
      await vi.waitFor(() => expect(hooks.received).toHaveLength(6), WAIT);
      const seen = hooks.received.map((r) => [r.event.data.event_type, r.event.meta.attempt]);
      expect(seen).toEqual([
        ['call.initiated', 1],
        ['call.initiated', 2],
        ['call.hangup', 1],
        ['call.hangup', 2],
        ['call.answered', 1],
        ['call.answered', 2],
      ]);
      const [first, second] = hooks.received;
      expect(second?.event.data.id).toBe(first?.event.data.id);
      const verifier = new TelnyxWebhook(sim.publicKey!);
      for (const hook of hooks.received) await verifier.verify(hook.rawBody, hook.headers);
      const duplicates = sim.events.filter((e) => e.type === 'webhook_sent' && e.duplicate);
      expect(duplicates).toHaveLength(3);
    });

    it('delivers call.initiated before answering the dial at earlyWebhookRate 1', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 60_000, earlyWebhookRate: 1 });
      const { body } = await dial(sim.url, { webhook_url: hooks.url });
      expect(hooks.types()).toEqual(['call.initiated']);
      expect(hooks.received[0]?.event.data.payload.call_control_id).toBe(body.data.call_control_id);
    });

    it('retries a webhook the receiver answers 5xx, and reports one it refuses', async () => {
      const hooks = await receiver((index) => (index === 0 ? 503 : index === 1 ? 204 : 400));
      const sim = await start({ stepMs: [5, 10], outcomes: { busy: 1 } });
      await dial(sim.url, { webhook_url: hooks.url });
      await vi.waitFor(() => expect(hooks.received).toHaveLength(3), WAIT);
      expect(hooks.types()).toEqual(['call.initiated', 'call.initiated', 'call.hangup']);
      await vi.waitFor(() => {
        const failed = sim.events.filter((e) => e.type === 'webhook_failed');
        expect(failed.map((e) => e.status)).toEqual(['call.hangup']);
      }, WAIT);
    });
  });
}
