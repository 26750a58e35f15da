import {
  createMockCallApiClient,
  createNumDialerClient,
  isHttpError,
  parseStatusWebhook,
  watchCall,
  type CallStatusEvent,
} from '@ringkit/call-client';
import { describe, expect, it, vi } from 'vitest';
import { startWebhookReceiver } from '../src/_receiver.js';
import { startTracked, useCleanup, WAIT, type Harness } from './simulator-suite-helpers.js';
import type { SimulatorKnobs } from '../src/types.js';

/**
 * The practice flavours' agents as the call-client's clients see them, run against the HTTP
 * simulator and the MSW mock alike: `connectCall`, `abandonCall`, their `409`, and who answered.
 * Time runs 100 times faster: steps of 1 s take 10 ms.
 */
export function describeAgentsContract(harness: Harness): void {
  describe(`${harness.name}, agents of the practice flavours`, () => {
    const cleanup = useCleanup();
    const knobs = {
      timeScale: 100,
      stepMs: 1000,
      talkMs: 60_000,
      agentAnswerMs: 500,
      talkMeanMs: 3000,
      talkSigma: 0,
      humanRate: 1,
    } satisfies Omit<SimulatorKnobs, 'flavour'>;
    const fast = { retry: { limit: 2, baseDelayMs: 1, maxDelayMs: 5 } };

    async function polling(more: Omit<SimulatorKnobs, 'flavour'> = {}) {
      const sim = await startTracked(harness, cleanup, { flavour: 'polling', ...knobs, ...more });
      const client = createMockCallApiClient({ ...fast, baseUrl: sim.url });
      return { sim, client };
    }

    /** Follows a call by polling until `until`, collecting its events. */
    async function follow(
      client: ReturnType<typeof createMockCallApiClient>,
      id: string,
      until: (event: CallStatusEvent) => boolean,
    ) {
      const events: CallStatusEvent[] = [];
      for await (const event of watchCall(client, id, { intervalMs: 2, maxIdleIntervalMs: 2 })) {
        events.push(event);
        if (until(event)) break;
      }
      return events;
    }

    it('polling: connects an answered call, whose agent talks, then it completes', async () => {
      const { sim, client } = await polling();
      const call = await client.placeCall({ to: '+14155552671' });
      const answered = await follow(client, call.id, (e) => e.status === 'answered');
      expect(answered.at(-1)).toMatchObject({ status: 'answered', answeredBy: 'human' });
      await client.connectCall(call.id, '+14155550123', { ringS: 10 });
      const rest = await follow(client, call.id, () => false);
      expect(rest.at(-1)).toMatchObject({ status: 'completed', answeredBy: 'human' });
      expect(sim.calls()[0]).toMatchObject({
        status: 'completed',
        answeredBy: 'human',
        forwards: [{ to: '+14155550123', status: 'completed', durationS: 1 }],
      });
      expect(sim.events.filter((e) => e.type === 'forward').map((e) => e.forward.status)).toEqual([
        'ringing',
        'in-progress',
        'completed',
      ]);
    });

    it('polling: abandons an answered call with its message, then it completes', async () => {
      const { sim, client } = await polling({ humanRate: 0, machineRate: 1 });
      const call = await client.placeCall({ to: '+14155552671' });
      const answered = await follow(client, call.id, (e) => e.status === 'answered');
      expect(answered.at(-1)?.answeredBy).toBe('machine');
      await client.abandonCall(call.id, 'Acme calling; call us back on 415 555 0100.');
      await follow(client, call.id, () => false);
      expect(sim.calls()[0]).toMatchObject({
        status: 'completed',
        spoken: ['Acme calling; call us back on 415 555 0100.'],
      });
    });

    it('polling: refuses a second connect, and a connect of an ended call, with a 409 HttpError', async () => {
      const { client } = await polling();
      const call = await client.placeCall({ to: '+14155552671' });
      await follow(client, call.id, (e) => e.status === 'answered');
      await client.connectCall(call.id, 'sip:ana@pbx.example.com');
      const again = await client.connectCall(call.id, '+14155550123').catch((e: unknown) => e);
      expect(isHttpError(again)).toBe(true);
      expect(again).toMatchObject({ status: 409, body: { error: { code: 'already_connected' } } });
      await follow(client, call.id, () => false);
      const ended = await client.abandonCall(call.id, 'Bye.').catch((e: unknown) => e);
      expect(ended).toMatchObject({ status: 409, body: { error: { code: 'call_ended' } } });
    });

    it('webhook: says who answered in the webhooks, and connects the call once answered', async () => {
      const hooks = await startWebhookReceiver();
      cleanup(() => hooks.close());
      const sim = await startTracked(harness, cleanup, {
        flavour: 'webhook',
        ...knobs,
        humanRate: 0.5,
        machineRate: 0.5,
        seed: 2,
      });
      const client = createNumDialerClient({ ...fast, baseUrl: sim.url, webhookUrl: hooks.url });
      const call = await client.placeCall({ to: '+14155552671' });
      await vi.waitFor(() => expect(hooks.statusesOf(Number(call.id))).toContain('answered'), WAIT);
      const answered = parseStatusWebhook(hooks.received.find((h) => h.status === 'answered'));
      const by = sim.calls()[0]!.answeredBy;
      expect(['human', 'machine']).toContain(by);
      expect(answered).toMatchObject({ callId: call.id, status: 'answered', answeredBy: by });
      await client.connectCall(call.id, '+14155550123');
      await vi.waitFor(
        () => expect(hooks.statusesOf(Number(call.id))).toContain('completed'),
        WAIT,
      );
      expect(hooks.received.at(-1)).toEqual({
        id: Number(call.id),
        status: 'completed',
        answered_by: by,
      });
      expect(sim.calls()[0]?.forwards).toMatchObject([{ status: 'completed' }]);
      const ended = await client.connectCall(call.id, '+14155550123').catch((e: unknown) => e);
      expect(ended).toMatchObject({ status: 409, body: { error: { code: 'call_ended' } } });
    });

    it('webhook: refuses to connect a call still ringing with a 409', async () => {
      const sim = await startTracked(harness, cleanup, {
        flavour: 'webhook',
        ...knobs,
        timeScale: 1,
        stepMs: 60_000,
      });
      const client = createNumDialerClient({
        ...fast,
        baseUrl: sim.url,
        webhookUrl: 'http://127.0.0.1:9/hooks',
      });
      const call = await client.placeCall({ to: '+14155552671' });
      const early = await client.connectCall(call.id, '+14155550123').catch((e: unknown) => e);
      expect(early).toMatchObject({ status: 409, body: { error: { code: 'not_answered' } } });
    });
  });
}
