import { describe, expect, it, vi } from 'vitest';
import { startWebhookReceiver } from '../src/_receiver.js';
import {
  pause,
  postJson,
  request,
  startTracked,
  statusEvents,
  useCleanup,
  WAIT,
  type Harness,
} from './simulator-suite-helpers.js';
import type { SimulatorKnobs } from '../src/types.js';

/** The webhook flavour's contract, run against the HTTP simulator and the MSW mock alike. */
export function describeWebhookContract(harness: Harness): void {
  describe(`${harness.name}, webhook flavour`, () => {
    const cleanup = useCleanup();
    const start = (options: Omit<SimulatorKnobs, 'flavour'> = {}) =>
      startTracked(harness, cleanup, { flavour: 'webhook', ...options });
    const receiver = async (answer?: (index: number) => number) => {
      const started = await startWebhookReceiver(answer);
      cleanup(() => started.close());
      return started;
    };
    const dial = (url: string, webhookURL: string, phone = '13018040009') =>
      postJson(`${url}/call`, { phone, webhookURL });

    it('answers POST /call with numeric ids counting up from 1001', async () => {
      const sim = await start({ stepMs: 60_000 });
      const first = await dial(sim.url, 'http://127.0.0.1:9/hook');
      const second = await dial(sim.url, 'https://app.example/hook', '+13018040009');
      expect([first.status, second.status]).toEqual([200, 200]);
      expect([first.body, second.body]).toEqual([{ id: 1001 }, { id: 1002 }]);
      expect(sim.calls()).toMatchObject([
        { id: '1001', phone: '+13018040009', webhookUrl: 'http://127.0.0.1:9/hook' },
        { id: '1002', phone: '+13018040009', webhookUrl: 'https://app.example/hook' },
      ]);
    });

    it('posts ringing, answered and completed webhooks in that order', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: [5, 15] });
      await dial(sim.url, hooks.url);
      await vi.waitFor(() => expect(hooks.received).toHaveLength(3), WAIT);
      expect(hooks.received).toEqual([
        { id: 1001, status: 'ringing' },
        { id: 1001, status: 'answered' },
        { id: 1001, status: 'completed' },
      ]);
      expect(sim.calls()[0]?.status).toBe('completed');
      expect(statusEvents(sim.events, '1001')).toEqual(['ringing', 'answered', 'completed']);
    });

    it.each(['busy', 'no-answer', 'failed'] as const)(
      'posts ringing then %s when that is the only outcome',
      async (outcome) => {
        const hooks = await receiver();
        const sim = await start({ stepMs: 5, outcomes: { [outcome]: 1 } });
        await dial(sim.url, hooks.url);
        await vi.waitFor(() => expect(hooks.received).toHaveLength(2), WAIT);
        expect(hooks.statusesOf(1001)).toEqual(['ringing', outcome]);
      },
    );

    it('delivers the ringing webhook before answering the POST when earlyWebhookRate is 1', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 60_000, earlyWebhookRate: 1 });
      const answer = await dial(sim.url, hooks.url);
      expect(answer.body).toEqual({ id: 1001 });
      expect(hooks.received).toEqual([{ id: 1001, status: 'ringing' }]);
    });

    it('sends nothing before answering the POST when earlyWebhookRate is 0', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 60_000, earlyWebhookRate: 0 });
      await dial(sim.url, hooks.url);
      expect(hooks.received).toEqual([]);
    });

    it('delivers every webhook twice when duplicateWebhookRate is 1', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, duplicateWebhookRate: 1 });
      await dial(sim.url, hooks.url);
      await vi.waitFor(() => expect(hooks.received).toHaveLength(6), WAIT);
      expect(hooks.statusesOf(1001)).toEqual([
        ...['ringing', 'ringing', 'answered', 'answered', 'completed', 'completed'],
      ]);
      // The receiver can see the last copy a moment before its sender hears back.
      const copies = () => sim.events.filter((e) => e.type === 'webhook_sent' && e.duplicate);
      await vi.waitFor(() => expect(copies()).toHaveLength(3), WAIT);
    });

    it('delivers completed before answered when outOfOrderRate is 1', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 5, outOfOrderRate: 1 });
      await dial(sim.url, hooks.url);
      await vi.waitFor(() => expect(hooks.received).toHaveLength(3), WAIT);
      expect(hooks.statusesOf(1001)).toEqual(['ringing', 'completed', 'answered']);
    });

    it('hands each webhook to a custom deliverWebhook', async () => {
      const deliverWebhook = vi.fn(async () => {});
      const sim = await start({ stepMs: 5, outcomes: { busy: 1 }, deliverWebhook });
      await dial(sim.url, 'https://app.example/hook');
      await vi.waitFor(() => expect(deliverWebhook).toHaveBeenCalledTimes(2), WAIT);
      expect(deliverWebhook.mock.calls).toEqual([
        [
          'https://app.example/hook',
          { id: 1001, status: 'ringing' },
          { signal: expect.any(Object) },
        ],
        ['https://app.example/hook', { id: 1001, status: 'busy' }, { signal: expect.any(Object) }],
      ]);
    });

    it('retries a webhook the receiver answers 503, and reports one it refuses with 4xx', async () => {
      const hooks = await receiver((index) => (index === 0 ? 503 : index === 2 ? 400 : 204));
      const sim = await start({ stepMs: 5, outcomes: { busy: 1 } });
      await dial(sim.url, hooks.url);
      await vi.waitFor(() => expect(sim.events.at(-1)?.type).toBe('webhook_failed'), WAIT);
      expect(hooks.statusesOf(1001)).toEqual(['ringing', 'ringing', 'busy']);
      const webhookEvents = sim.events.flatMap((e) =>
        e.type === 'webhook_sent' || e.type === 'webhook_failed' ? [`${e.type} ${e.status}`] : [],
      );
      expect(webhookEvents).toEqual(['webhook_sent ringing', 'webhook_failed busy']);
    });

    it('answers 503 with Retry-After: 0 and creates no call when errorRate is 1', async () => {
      const sim = await start({ errorRate: 1 });
      const answer = await dial(sim.url, 'https://app.example/hook');
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('0');
      expect(sim.calls()).toEqual([]);
    });

    const hook = 'https://app.example/hook';
    it.each([
      ['a body that is not JSON', 'phone=13018040009', 'not valid JSON'],
      ['no webhookURL', JSON.stringify({ phone: '13018040009' }), 'webhookURL'],
      [
        'an ftp webhookURL',
        JSON.stringify({ phone: '13018040009', webhookURL: 'ftp://x.example/h' }),
        'http(s)',
      ],
      [
        'a webhookURL that is no URL',
        JSON.stringify({ phone: '13018040009', webhookURL: 'hook' }),
        'http(s)',
      ],
      ['letters in phone', JSON.stringify({ phone: '1301CALLNOW', webhookURL: hook }), 'digits'],
      [
        'an invalid phone',
        JSON.stringify({ phone: '1301', webhookURL: hook }),
        'not a valid phone number',
      ],
      ['a numeric phone', JSON.stringify({ phone: 13018040009, webhookURL: hook }), 'phone'],
      [
        'an unknown field',
        JSON.stringify({ phone: '13018040009', webhookURL: hook, to: 1 }),
        '"to"',
      ],
      ['the polling flavour body', JSON.stringify({ phone_number: '+13018040009' }), 'phone'],
    ])('refuses %s with 400 invalid_request and creates no call', async (_, body, says) => {
      const sim = await start();
      const answer = await request(`${sim.url}/call`, { body });
      expect(answer.status).toBe(400);
      expect(answer.body).toHaveProperty('error.code', 'invalid_request');
      expect(answer.body).toHaveProperty('error.message', expect.stringContaining(says));
      expect(sim.calls()).toEqual([]);
    });

    it('answers 404 for an unknown route and 405 for GET /call', async () => {
      const sim = await start();
      expect((await request(`${sim.url}/api/call`, { body: '{}' })).status).toBe(404);
      const listing = await request(`${sim.url}/call`);
      expect(listing.status).toBe(405);
      expect(listing.headers.get('allow')).toBe('POST');
    });

    it('sends no webhook once closed', async () => {
      const hooks = await receiver();
      const sim = await start({ stepMs: 20 });
      await dial(sim.url, hooks.url);
      await sim.close();
      await pause(100);
      expect(hooks.received).toEqual([]);
    });
  });
}
