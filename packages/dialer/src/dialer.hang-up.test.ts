/**
 * `stop({ hangUp: true })`: stop dialing and end every call in flight, those not answered yet
 * through `cancelCall`, answered ones through `hangUpCall`.
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, isInvalidOptionsError } from '@ringkit/call-client';
import { createFakeClock } from '@ringkit/call-client/testing';
import { startCallApiSimulator, TWILIO_TEST_CREDENTIALS } from '@ringkit/simulator';
import { createTwilioClient } from '@ringkit/call-client/twilio';
import { manualProvider, flush, statusEvent, T0 } from '../test/utils.js';
import { createDialer } from './dialer.js';
import { isUnsupportedOperationError, UnsupportedOperationError } from '@ringkit/call-client';
import { isDialerError } from './errors.js';
import type { DialerEvents } from './types.js';

const NUMBERS = ['+14155552671', '+13018040009', '+12025550123', '+12125550101', '+12025550100'];

function setup(cancelable = true, hangUpCall = cancelable) {
  const provider = manualProvider({ cancelCall: cancelable, hangUpCall });
  const dialer = createDialer({ provider, numbers: NUMBERS, clock: createFakeClock(T0) });
  const seen: string[] = [];
  const errors: DialerEvents['error'][] = [];
  dialer.on('status', (e) => seen.push(`#${e.index} ${e.previous}>${e.status}`));
  dialer.on('drained', (e) => seen.push(`drained ${JSON.stringify(e.counts)}`));
  dialer.on('error', (e) => errors.push(e));
  return { provider, dialer, seen, errors };
}

const statuses = (dialer: ReturnType<typeof setup>['dialer']) =>
  dialer.snapshot().entries.map((e) => e.status);

describe('stop({ hangUp: true })', () => {
  it('stops dialing and ends every call in flight, one still being placed as soon as its id is known', async () => {
    const { provider, dialer, seen } = setup();
    const drained: DialerEvents['drained'][] = [];
    dialer.on('drained', (e) => drained.push(e));
    dialer.start();
    await flush();
    provider.placed[0]!.answer('c0');
    provider.placed[1]!.answer('c1');
    await flush();
    dialer.handleStatus(statusEvent('c1', 'answered'));
    await flush();
    seen.length = 0;

    dialer.stop({ hangUp: true });
    await flush();
    // Entries not dialed end at once; the POST still pending has no id to hang up yet. The call
    // not answered is canceled, the answered one hung up.
    expect(statuses(dialer)).toEqual(['initiated', 'answered', 'dialing', 'canceled', 'canceled']);
    expect(provider.cancels.map((c) => c.id)).toEqual(['c0']);
    expect(provider.hangUps.map((c) => c.id)).toEqual(['c1']);
    expect(dialer.snapshot()).toMatchObject({ state: 'paused', stopped: true });

    provider.placed[2]!.answer('c2');
    await flush();
    expect(provider.cancels.map((c) => c.id)).toEqual(['c0', 'c2']);
    provider.cancels[0]!.answer('canceled');
    provider.hangUps[0]!.answer('completed');
    await flush();
    expect(drained).toEqual([]);
    provider.cancels[1]!.answer('canceled');
    await flush();

    expect(statuses(dialer)).toEqual(['canceled', 'completed', 'canceled', 'canceled', 'canceled']);
    expect(provider.placed).toHaveLength(3);
    expect(seen).toEqual([
      '#3 idle>canceled',
      '#4 idle>canceled',
      '#2 dialing>initiated',
      '#0 initiated>canceled',
      '#1 answered>completed',
      '#2 initiated>canceled',
      'drained {"idle":0,"dialing":0,"initiated":0,"ringing":0,"answered":0,"completed":1,"busy":0,"no-answer":0,"failed":0,"canceled":4,"suppressed":0}',
    ]);
    expect(drained).toHaveLength(1);
    expect(dialer.snapshot().state).toBe('done');
    expect(dialer.snapshot().entries[1]!.answeredAt).not.toBeNull();
    // A late webhook moves nothing back.
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    expect(statuses(dialer)[0]).toBe('canceled');
  });

  it('ends an entry canceled when the provider takes the request but reports no end yet', async () => {
    const { provider, dialer } = setup();
    dialer.start();
    await flush();
    provider.placed[0]!.answer('c0');
    await flush();
    dialer.stop({ hangUp: true });
    await flush();
    provider.cancels[0]!.answer('ringing');
    await flush();
    expect(statuses(dialer)[0]).toBe('canceled');
  });

  it('keeps the end a webhook reported before the provider answered the hang-up', async () => {
    const { provider, dialer } = setup();
    dialer.start();
    await flush();
    provider.placed[0]!.answer('c0');
    await flush();
    dialer.stop({ hangUp: true });
    await flush();
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    provider.cancels[0]!.answer('canceled');
    await flush();
    expect(statuses(dialer)[0]).toBe('completed');
  });

  it('reports a cancelCall that fails, follows the call to its end, and tries again when asked', async () => {
    const { provider, dialer, errors } = setup();
    dialer.start();
    await flush();
    provider.placed.forEach((call, i) => call.answer(`c${i}`));
    await flush();
    dialer.stop({ hangUp: true });
    await flush();
    const refusal = new Error('provider said no');
    provider.cancels[0]!.fail(refusal);
    provider.cancels[1]!.answer();
    provider.cancels[2]!.fail(refusal);
    await flush();
    expect(errors).toEqual([
      { error: refusal, source: 'hang_up', index: 0 },
      { error: refusal, source: 'hang_up', index: 2 },
    ]);
    expect(statuses(dialer).slice(0, 3)).toEqual(['initiated', 'canceled', 'initiated']);
    dialer.handleStatus(statusEvent('c0', 'completed'));
    await flush();
    expect(statuses(dialer)[0]).toBe('completed');
    dialer.stop({ hangUp: true });
    await flush();
    expect(provider.cancels.map((c) => c.id)).toEqual(['c0', 'c1', 'c2', 'c2']);
    provider.cancels[3]!.answer();
    await flush();
    expect(dialer.snapshot().state).toBe('done');
    expect(statuses(dialer).slice(0, 3)).toEqual(['completed', 'canceled', 'canceled']);
  });

  it('hangs up after a plain stop() the calls still in flight', async () => {
    const { provider, dialer } = setup();
    dialer.start();
    await flush();
    provider.placed.forEach((call, i) => call.answer(`c${i}`));
    await flush();
    dialer.stop();
    await flush();
    expect(provider.cancels).toEqual([]);
    dialer.handleStatus(statusEvent('c1', 'busy'));
    await flush();
    dialer.stop({ hangUp: true });
    await flush();
    expect(provider.cancels.map((c) => c.id)).toEqual(['c0', 'c2']);
  });

  it('hangs up a call answered while its cancel was on its way: the provider left it answered', async () => {
    const { provider, dialer, seen } = setup();
    dialer.start();
    await flush();
    provider.placed[0]!.answer('c0');
    await flush();
    dialer.stop({ hangUp: true });
    await flush();
    expect(provider.cancels.map((c) => c.id)).toEqual(['c0']);
    provider.cancels[0]!.answer('answered');
    await flush();
    expect(statuses(dialer)[0]).toBe('answered');
    expect(provider.hangUps.map((c) => c.id)).toEqual(['c0']);
    provider.hangUps[0]!.answer('completed');
    await flush();
    expect(statuses(dialer)[0]).toBe('completed');
    expect(dialer.snapshot().entries[0]!.answeredAt).not.toBeNull();
    expect(seen.filter((e) => e.startsWith('#0'))).toEqual([
      '#0 idle>dialing',
      '#0 dialing>initiated',
      '#0 initiated>answered',
      '#0 answered>completed',
    ]);
  });

  it('ends an answered entry completed when the provider takes the hang-up but reports no end yet', async () => {
    const { provider, dialer } = setup();
    dialer.start();
    await flush();
    provider.placed[0]!.answer('c0');
    await flush();
    dialer.handleStatus(statusEvent('c0', 'answered'));
    await flush();
    dialer.stop({ hangUp: true });
    await flush();
    expect(provider.cancels).toEqual([]);
    provider.hangUps[0]!.answer('answered');
    await flush();
    expect(statuses(dialer)[0]).toBe('completed');
  });

  it('reports a hangUpCall that fails and tries again when asked', async () => {
    const { provider, dialer, errors } = setup();
    dialer.start();
    await flush();
    provider.placed[0]!.answer('c0');
    await flush();
    dialer.handleStatus(statusEvent('c0', 'answered'));
    await flush();
    dialer.stop({ hangUp: true });
    await flush();
    const refusal = new Error('provider said no');
    provider.hangUps[0]!.fail(refusal);
    await flush();
    expect(errors).toEqual([{ error: refusal, source: 'hang_up', index: 0 }]);
    expect(statuses(dialer)[0]).toBe('answered');
    dialer.stop({ hangUp: true });
    await flush();
    provider.hangUps[1]!.answer();
    await flush();
    expect(statuses(dialer)[0]).toBe('completed');
  });

  it('throws UnsupportedOperationError and changes nothing when the provider cannot hang up answered calls', async () => {
    // It can cancel calls not answered yet, and has no hangUpCall: it cannot end every call.
    const { provider, dialer, seen } = setup(true, false);
    dialer.start();
    await flush();
    provider.placed[0]!.answer('c0');
    await flush();
    const before = dialer.snapshot();
    seen.length = 0;
    const caught = (() => {
      try {
        dialer.stop({ hangUp: true });
      } catch (error) {
        return error;
      }
    })();
    expect(caught).toBeInstanceOf(UnsupportedOperationError);
    expect(caught).toMatchObject({
      code: 'hang_up_unsupported',
      provider: 'fake',
      operation: 'hangUpCall',
    });
    expect((caught as Error).message).toMatch(
      /cannot hang up answered calls \(it has no hangUpCall\); nothing was stopped/,
    );
    expect(provider.cancels).toEqual([]);
    expect(dialer.snapshot()).toEqual(before);
    expect(seen).toEqual([]);
  });

  it('throws UnsupportedOperationError and changes nothing when the provider cannot end calls', async () => {
    const { provider, dialer, seen } = setup(false);
    dialer.start();
    await flush();
    provider.placed[0]!.answer('c0');
    await flush();
    const before = dialer.snapshot();
    seen.length = 0;
    let caught: unknown;
    try {
      dialer.stop({ hangUp: true });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnsupportedOperationError);
    expect(isUnsupportedOperationError(caught)).toBe(true);
    // call-client's error, as every package reports what a provider cannot do: no DialerError.
    expect(isDialerError(caught)).toBe(false);
    expect(caught).toMatchObject({
      code: 'hang_up_unsupported',
      provider: 'fake',
      operation: 'cancelCall',
    });
    expect((caught as Error).message).toMatch(/cannot end calls.*nothing was stopped/);
    expect(dialer.snapshot()).toEqual(before);
    expect(seen).toEqual([]);
    // A plain stop() still works.
    dialer.stop();
    await flush();
    expect(dialer.snapshot().stopped).toBe(true);
  });

  it.each([
    ['an unknown option', { hangup: true }],
    ['a hangUp that is not a boolean', { hangUp: 'yes' }],
    ['something that is not an object', 'SIGTERM'],
  ])('refuses %s with InvalidOptionsError and changes nothing', async (_, options) => {
    const { dialer } = setup();
    dialer.start();
    await flush();
    const before = dialer.snapshot();
    expect(() => dialer.stop(options as never)).toThrow(InvalidOptionsError);
    try {
      dialer.stop(options as never);
    } catch (error) {
      expect(isInvalidOptionsError(error)).toBe(true);
      expect(isDialerError(error)).toBe(false);
    }
    expect(dialer.snapshot()).toEqual(before);
  });

  it('takes stop({}) and stop({ hangUp: false }) as stop()', async () => {
    for (const options of [{}, { hangUp: false }]) {
      const { provider, dialer } = setup();
      dialer.start();
      await flush();
      provider.placed[0]!.answer('c0');
      await flush();
      dialer.stop(options);
      expect(dialer.snapshot().stopped).toBe(true);
      expect(provider.cancels).toEqual([]);
    }
  });
});

describe('stop({ hangUp: true }) on the Twilio simulator', () => {
  it('hangs up the answered call and cancels the one still queued', async () => {
    // One call a second: the second waits queued while the first is answered and talks.
    const sim = await startCallApiSimulator({
      flavour: 'twilio',
      port: 0,
      stepMs: 5,
      talkMs: 60_000,
      outcomes: { completed: 1 },
      callsPerSecond: 1,
    });
    try {
      const twilio = createTwilioClient({
        ...TWILIO_TEST_CREDENTIALS,
        from: '+15005550006',
        baseUrl: sim.url,
      });
      const asked: string[] = [];
      const provider = {
        ...twilio,
        cancelCall: (id: string) => (asked.push(`cancel ${id}`), twilio.cancelCall(id)),
        hangUpCall: (id: string) => (asked.push(`hang up ${id}`), twilio.hangUpCall(id)),
      };
      const dialer = createDialer({ provider, numbers: NUMBERS.slice(0, 2), watchIntervalMs: 5 });
      const drained = new Promise<void>((resolve) => dialer.on('drained', () => resolve()));
      dialer.start();
      await expect.poll(() => statuses(dialer)).toEqual(['answered', 'initiated']);
      dialer.stop({ hangUp: true });
      await drained;
      const [first, second] = sim.calls();
      expect(asked).toEqual([`hang up ${first!.id}`, `cancel ${second!.id}`]);
      expect(statuses(dialer)).toEqual(['completed', 'canceled']);
      expect(sim.calls().map((c) => c.status)).toEqual(['completed', 'canceled']);
    } finally {
      await sim.close();
    }
  });
});
